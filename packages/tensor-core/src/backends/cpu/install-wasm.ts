import { cpuBackendInstance } from '../../device/device.js';
import { TensorError } from '../../errors.js';
import { createWasmKernels, type WasmKernels } from './wasm/index.js';

let installing: Promise<WasmKernels | null> | null = null;

/**
 * Installs the WebAssembly SIMD (+ threads) kernels into the CPU backend once. LORAFLOW_CPU_KERNELS
 * picks a variant (CI runs the op suite on each): unset = relaxed SIMD where the engine has it,
 * `simd` = plain SIMD only, `js` = the plain JavaScript kernels. A failure to start the wasm kernels
 * falls back to JavaScript with a warning.
 */
export function installWasmKernels(): Promise<WasmKernels | null> {
  installing ??= (async () => {
    const env = typeof process !== 'undefined' ? process.env?.LORAFLOW_CPU_KERNELS : undefined;
    if (env === 'js' || typeof WebAssembly === 'undefined') return null;
    if (env !== undefined && env !== '' && env !== 'simd') throw new TensorError(`LORAFLOW_CPU_KERNELS=${env}: expected "js" or "simd" (or unset for relaxed SIMD)`);
    try {
      const kernels = await createWasmKernels({ relaxedSimd: env !== 'simd' });
      cpuBackendInstance().setWasmKernels(kernels);
      return kernels;
    } catch (error) {
      console.warn(`[loraflow] WebAssembly CPU kernels unavailable, using JavaScript kernels: ${(error as Error).message}`);
      return null;
    }
  })();
  return installing;
}
