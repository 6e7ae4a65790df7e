import { TensorError } from '../errors.js';
import { defaultDevice, setDefaultDevice, type Device, type DeviceInfo } from './device.js';
import { openCpuDevice, openWebGpuDevice } from './register-backends.js';

/** Which device to use: `auto` takes a real (hardware) GPU adapter if there is one, else the CPU. */
export type DeviceRequest = 'auto' | 'cpu' | 'webgpu';

let selected: Promise<Device> | null = null;

function requestFromEnv(): DeviceRequest {
  const env = typeof process !== 'undefined' ? process.env?.LORAFLOW_DEVICE : undefined;
  if (env === undefined || env === '') return 'auto';
  if (env === 'cpu' || env === 'webgpu' || env === 'auto') return env;
  throw new TensorError(`LORAFLOW_DEVICE=${env}: expected one of webgpu, cpu, auto`);
}

async function select(request: DeviceRequest): Promise<Device> {
  if (request === 'cpu') return openCpuDevice();
  const gpu = await openWebGpuDevice(request === 'webgpu');
  if (gpu.device) return gpu.device;
  if (request === 'webgpu') throw new TensorError(`device webgpu: ${gpu.reason}`);
  return openCpuDevice();
}

/**
 * Resolves the default device once (LORAFLOW_DEVICE=webgpu|cpu forces one; otherwise a hardware
 * GPU adapter if present, else the CPU, which beats software WebGPU adapters) and makes it the default.
 */
export async function getDevice(request?: DeviceRequest): Promise<Device> {
  if (request !== undefined) {
    const device = await select(request);
    setDefaultDevice(device);
    return device;
  }
  selected ??= select(requestFromEnv()).then((device) => {
    setDefaultDevice(device);
    return device;
  });
  return selected;
}

/** Describes a device (default: the current default): adapter info, features, limits. */
export function describeDevice(device: Device = defaultDevice()): DeviceInfo {
  return device.info();
}
