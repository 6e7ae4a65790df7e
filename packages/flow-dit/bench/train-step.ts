/**
 * Times full training steps (text encoder + MMDiT forward, backward, AdamW) of the default base-model config on the
 * default device, split into forward / backward / optimizer. For a per-op profile run it with
 * `node --cpu-prof --conditions=development --import tsx bench/train-step.ts` and read the .cpuprofile.
 * Env: BATCH (default 12), STEPS (default 5, the first is a warm-up and not counted).
 */
import * as tc from '@loraflow/tensor-core';
import { createPipeline } from '../src/index.js';

const batch = Number(process.env.BATCH ?? 12);
const steps = Number(process.env.STEPS ?? 5);
const device = await tc.getDevice();
console.log(`device: ${tc.describeDevice(device).summary}`);
const p = createPipeline(undefined, { generator: new tc.Generator(0) });
const caption = 'a 2D side scrolling background, green forest theme, sunny afternoon, white clouds, rolling green hills, tall leafy trees and pines, mossy forest floor, green bushes, sunbeams, glowing fireflies, lush green palette';
const params = [...p.transformer.parameters(), ...p.textEncoder.parameters()];
const opt = new tc.AdamW(params, { lr: 1e-4 });
const [c, h, w] = p.latentShape;
const totals = { forward: 0, backward: 0, optimizer: 0, cpu: 0 };
for (let step = 0; step < steps; step++) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let t1 = 0, t2 = 0;
  const loss = tc.tidy(() => {
    const x = tc.randn([batch, c, h, w], { seed: step });
    const v = p.velocity(x, tc.rand([batch], { seed: 100 + step }), p.encodePrompt(Array(batch).fill(caption)));
    const l = v.sub(x).square().mean();
    t1 = performance.now();
    l.backward();
    t2 = performance.now();
    opt.step();
    opt.zeroGrad();
    return l;
  });
  await loss.item();
  loss.dispose();
  const t3 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  console.log(`step ${step}: forward ${(t1 - t0).toFixed(0)} ms, backward ${(t2 - t1).toFixed(0)} ms, optimizer ${(t3 - t2).toFixed(0)} ms, process cpu ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms`);
  if (step > 0) {
    totals.forward += t1 - t0;
    totals.backward += t2 - t1;
    totals.optimizer += t3 - t2;
    totals.cpu += (cpu.user + cpu.system) / 1000;
  }
}
const n = steps - 1;
const wall = (totals.forward + totals.backward + totals.optimizer) / n;
console.log(`batch ${batch}: ${wall.toFixed(0)} ms/step wall (forward ${(totals.forward / n).toFixed(0)}, backward ${(totals.backward / n).toFixed(0)}, optimizer ${(totals.optimizer / n).toFixed(0)}), ${(totals.cpu / n).toFixed(0)} ms process cpu/step`);
process.exit(0);
