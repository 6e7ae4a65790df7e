/**
 * The tensor runtime's smoke demo: picks the default device (LORAFLOW_DEVICE=webgpu|cpu forces one),
 * trains a small MLP with autograd and AdamW, and prints the device, the loss curve and the time.
 */
import { describeDevice, getDevice } from '@loraflow/tensor-core';
import { sparkline } from './src/sparkline.js';
import { trainDemo } from './src/train-demo.js';

const device = await getDevice();
console.log(`device: ${describeDevice(device).summary}`);
const steps = Number(process.env.DEMO_STEPS ?? 300);
const { losses, seconds } = await trainDemo({
  device,
  steps,
  onStep: (step, loss) => {
    if (step % 50 === 0 || step === steps - 1) console.log(`step ${String(step).padStart(4)}  loss ${loss.toFixed(6)}`);
  },
});
console.log(`loss curve (log scale): ${sparkline(losses)}`);
console.log(`${steps} steps in ${seconds.toFixed(2)} s (${((seconds / steps) * 1000).toFixed(1)} ms/step); loss ${losses[0].toFixed(4)} -> ${losses[losses.length - 1].toFixed(5)}`);
process.exit(0);
