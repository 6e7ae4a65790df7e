import type { Backend } from './backend.js';
import { cpu } from './register-backends.js';

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

let current: Device = cpu;

/** The device new tensors go to when none is given. */
export function defaultDevice(): Device {
  return current;
}

/** Sets the device new tensors go to. */
export function setDefaultDevice(device: Device): void {
  current = device;
}
