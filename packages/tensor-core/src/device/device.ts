import { CpuBackend } from '../backends/cpu/cpu-backend.js';
import type { Backend } from './backend.js';

/** What we know about a device, for logs and `loraflow device`. */
export interface DeviceInfo {
  readonly kind: 'cpu' | 'webgpu';
  /** One line for humans, e.g. "webgpu: llvmpipe (lavapipe, software) via Dawn". */
  readonly summary: string;
  readonly adapter?: { vendor: string; architecture: string; device: string; description: string; isFallbackAdapter: boolean; software: boolean };
  readonly features?: readonly string[];
  readonly limits?: Readonly<Record<string, number>>;
  readonly threads?: number;
  readonly simd?: string;
}

/** A compute device: a backend plus a description. */
export interface Device {
  readonly kind: 'cpu' | 'webgpu';
  readonly backend: Backend;
  info(): DeviceInfo;
}

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

/** The CPU backend instance, for installing faster kernels. */
export function cpuBackendInstance(): CpuBackend {
  return cpuBackend;
}

let current: Device = cpu;

/** The device new tensors go to when none is given. */
export function defaultDevice(): Device {
  return current;
}

/** Sets the device new tensors go to. */
export function setDefaultDevice(device: Device): void {
  current = device;
}
