import { CpuBackend } from '../backends/cpu/cpu-backend.js';
import { createWasmKernels, type WasmKernels } from '../backends/cpu/wasm/index.js';
import { openWebGpu, type WebGpuOutcome } from '../backends/webgpu/webgpu-device.js';
import { TensorError } from '../errors.js';
import type { Device } from './device.js';

/*
 * The one place the backends are wired to devices. Both run in Node and in a browser: what differs
 * (navigator.gpu or the optional `webgpu` package; Web Workers or worker_threads) is decided inside
 * each backend at run time, and the Node-only modules are mapped away by the package's `browser` field.
 */

const cpuBackend = new CpuBackend();

/** The CPU device (always available; synchronous kernels). */
export const cpu: Device = {
  kind: 'cpu',
  backend: cpuBackend,
  info() {
    const k = cpuBackend.kernelInfo();
    const simd = k ? (k.relaxedSimd ? 'wasm-relaxed-simd' : 'wasm-simd128') : 'none';
    return {
      kind: 'cpu',
      summary: k ? `cpu: WebAssembly ${k.relaxedSimd ? 'relaxed ' : ''}SIMD kernels on ${k.threads} thread${k.threads > 1 ? 's' : ''}` : 'cpu: JavaScript kernels',
      simd,
      threads: k?.threads ?? 1,
    };
  },
};

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
      cpuBackend.setWasmKernels(kernels);
      return kernels;
    } catch (error) {
      console.warn(`[loraflow] WebAssembly CPU kernels unavailable, using JavaScript kernels: ${(error as Error).message}`);
      return null;
    }
  })();
  return installing;
}

/** The CPU device with its fastest kernels installed. */
export async function openCpuDevice(): Promise<Device> {
  await installWasmKernels();
  return cpu;
}

/**
 * The WebGPU device, or why there is none. `allowSoftware` accepts software adapters (lavapipe,
 * SwiftShader), which `auto` selection refuses because the CPU backend beats them.
 */
export function openWebGpuDevice(allowSoftware: boolean): Promise<WebGpuOutcome> {
  return openWebGpu({ allowSoftware });
}
