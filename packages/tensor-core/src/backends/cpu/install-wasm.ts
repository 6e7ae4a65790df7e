import { cpuBackendInstance } from '../../device/device.js';
import { createWasmKernels, type WasmKernels } from './wasm/index.js';

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
      cpuBackendInstance().setWasmKernels(kernels);
      return kernels;
    } catch (error) {
      console.warn(`[loraflow] WebAssembly CPU kernels unavailable, using JavaScript kernels: ${(error as Error).message}`);
      return null;
    }
  })();
  return installing;
}
