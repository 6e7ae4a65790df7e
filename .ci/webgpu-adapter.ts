/**
 * Prints the WebGPU adapter tensor-core gets in Node (through Dawn) and exits non-zero when there
 * is none, so CI stops before running a suite that would otherwise test only the CPU backend.
 */
import { describeDevice, getDevice } from '../packages/tensor-core/src/index.js';

try {
  const device = await getDevice('webgpu');
  const info = describeDevice(device);
  console.log(info.summary);
  console.log(`  features: ${(info.features ?? []).join(' ')}`);
  console.log(`  maxStorageBufferBindingSize: ${info.limits?.maxStorageBufferBindingSize}, maxComputeWorkgroupStorageSize: ${info.limits?.maxComputeWorkgroupStorageSize}`);
  (device as { destroy?: () => void }).destroy?.();
  process.exit(0);
} catch (error) {
  console.error(`no WebGPU adapter: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
