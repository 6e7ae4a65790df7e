import { WasmKernelError } from './wasm-kernel-error.js';

/**
 * Threads the kernels use unless told otherwise: `LORAFLOW_THREADS` when set, else the
 * available cores (os.availableParallelism in Node, navigator.hardwareConcurrency in a browser),
 * and 1 where shared memory is unavailable (a browser page that is not cross-origin isolated).
 */
export async function defaultThreads(): Promise<number> {
  const env = typeof process !== 'undefined' ? process.env?.LORAFLOW_THREADS : undefined;
  if (env !== undefined && env !== '') {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 1) throw new WasmKernelError(`LORAFLOW_THREADS=${env}: expected a positive integer`);
    return n;
  }
  if (!sharedMemoryAvailable()) return 1;
  if (typeof process !== 'undefined' && typeof process.versions?.node === 'string') {
    const os = await import('node:os');
    return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  }
  return Math.max(1, globalThis.navigator?.hardwareConcurrency ?? 1);
}

/** Whether threads can share memory here (always in Node; in browsers only when cross-origin isolated). */
export function sharedMemoryAvailable(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  const g = globalThis as { crossOriginIsolated?: boolean };
  return g.crossOriginIsolated !== false;
}
