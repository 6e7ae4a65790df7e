import { cpuBackendInstance } from '../../device/device.js';
import { matmulJs } from './cpu-matmul.js';
import { createWasmKernels, type WasmKernels } from './wasm/index.js';

/** Below this many multiply-adds the copy into wasm memory and the thread hand-off cost more than they save. */
const WASM_MIN_MACS = 8192;

let installing: Promise<WasmKernels | null> | null = null;

/**
 * Installs the WebAssembly SIMD (+ threads) kernels into the CPU backend once. LORAFLOW_CPU_KERNELS=js
 * keeps the plain JavaScript kernels (for debugging); a failure to start them falls back with a warning.
 */
export function installWasmKernels(): Promise<WasmKernels | null> {
  installing ??= (async () => {
    const env = typeof process !== 'undefined' ? process.env?.LORAFLOW_CPU_KERNELS : undefined;
    if (env === 'js' || typeof WebAssembly === 'undefined') return null;
    try {
      const kernels = await createWasmKernels();
      cpuBackendInstance().setMatmulKernel((a, b, out, p) => {
        if (p.m * p.n * p.k < WASM_MIN_MACS) matmulJs(a, b, out, p);
        else kernels.matmul(a, b, out, p);
      }, { threads: kernels.threads, relaxedSimd: kernels.relaxedSimd });
      return kernels;
    } catch (error) {
      console.warn(`[loraflow] WebAssembly CPU kernels unavailable, using JavaScript kernels: ${(error as Error).message}`);
      return null;
    }
  })();
  return installing;
}
