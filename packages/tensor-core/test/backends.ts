import { cpu, getDevice, setDefaultDevice, type Device } from '@loraflow/tensor-core';

/**
 * The devices every op test runs on: always `cpu`, plus `webgpu` when an adapter exists.
 * With LORAFLOW_REQUIRE_WEBGPU=1 (set by .ci/run) a missing adapter is a failure, not a silent skip.
 */
export async function testDevices(): Promise<Device[]> {
  // The CPU device as users get it: with the WebAssembly kernels installed.
  const devices: Device[] = [await getDevice('cpu')];
  // LORAFLOW_TEST_DEVICES=cpu limits a local run to the CPU backend (CI always runs both).
  if (process.env.LORAFLOW_TEST_DEVICES === 'cpu' && process.env.LORAFLOW_REQUIRE_WEBGPU !== '1') return devices;
  let gpu: Device | null = null;
  try {
    gpu = await getDevice('webgpu');
  } catch (error) {
    if (process.env.LORAFLOW_REQUIRE_WEBGPU === '1') throw error;
  }
  if (gpu && gpu !== cpu) devices.push(gpu);
  // Selecting webgpu made it the default; tests that pass no device stay on the CPU.
  setDefaultDevice(devices[0]);
  return devices;
}

/** Names of the devices the suite runs on, resolved once at collection time. */
export const DEVICES: Device[] = await testDevices();
