/**
 * Ours through the public @loraflow/tensor-core API on the CPU device: forward with tc.linear plus
 * the two adapter matmuls, and forward + backward (grads for x, A, B; W and b frozen). Keys
 * "fwd:<case>" and "step:<case>".
 */
import * as tc from '@loraflow/tensor-core';
import { emit, measure, type Timing } from '../cpu-kernels/measure.js';
import { caseKey, casesFromArgs, loraInputs, LORA_SCALE, measureOptionsFor } from './cases.js';

const device = await tc.getDevice('cpu');
const out: Record<string, Timing> = {};
for (const c of casesFromArgs(process.argv)) {
  const v = loraInputs(c);
  const x = tc.tensor(v.x, [c.tokens, c.inF], { requiresGrad: true });
  const w = tc.tensor(v.w, [c.outF, c.inF]);
  const b = tc.tensor(v.b, [c.outF]);
  const a = tc.tensor(v.a, [c.rank, c.inF], { requiresGrad: true });
  const bUp = tc.tensor(v.bUp, [c.outF, c.rank], { requiresGrad: true });
  const dy = tc.tensor(v.dy, [c.tokens, c.outF]);
  const forward = () => tc.linear(x, w, b).add(tc.matmul(tc.matmul(x, a, { transB: true }), bUp, { transB: true }).mul(LORA_SCALE));
  out[`fwd:${caseKey(c)}`] = await measure(async () => {
    await tc.tidyAsync(async () => {
      await tc.noGrad(forward).data();
    });
  }, measureOptionsFor(c));
  out[`step:${caseKey(c)}`] = await measure(async () => {
    await tc.tidyAsync(async () => {
      forward().backward(dy);
      await Promise.all([x.grad!.data(), a.grad!.data(), bUp.grad!.data()]);
      for (const p of [x, a, bUp]) {
        p.grad!.dispose();
        p.grad = null;
      }
    });
  }, measureOptionsFor(c));
  process.stderr.write(`  ours ${caseKey(c)} done\n`);
}
emit({ peer: 'ours', note: tc.describeDevice(device).summary, sizes: out });
process.exit(0);
