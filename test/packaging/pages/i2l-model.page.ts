/** i2l-model in a page: one generator block's lora_A follows DiffSynth's `.view(rank, in)` of proj_out(proj_in(x)). */
import * as i2l from '@loraflow/i2l-model';
import { tensor } from '@loraflow/tensor-core';
import { expectClose, maxAbsDiff, report } from './page-report.js';

report(i2l, async () => {
  const [embed, compress, rank, inF, outF] = [5, 4, 2, 3, 2];
  const values = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed + 1.7 * i));
  const x = values(embed, 1);
  const [aIn, aOut] = [values(compress * embed, 2), values(rank * inF * compress, 3)];
  const weights = (seed: number, rows: number) => ({ proj_in: tensor(values(compress * embed, seed), [compress, embed]), proj_out: tensor(values(rows * compress, seed + 1), [rows, compress]) });
  const block = {
    layers: [{ proj_a: { proj_in: tensor(aIn, [compress, embed]), proj_out: tensor(aOut, [rank * inF, compress]) }, proj_b: weights(5, rank * outF) }],
    proj_residual: null,
  };
  const [factors] = i2l.i2lBlockForward(block, [{ name: 'attn.to_q', inFeatures: inF, outFeatures: outF }], rank, tensor(x, [1, embed]), null);
  const h = Array.from({ length: compress }, (_, c) => x.reduce((s, v, e) => s + aIn[c * embed + e] * v, 0));
  const a = Array.from({ length: rank * inF }, (_, o) => h.reduce((s, v, c) => s + aOut[o * compress + c] * v, 0));
  const got = await factors.down.data();
  return `lora_A ${factors.down.shape.join('x')}; ${expectClose('i2lBlockForward', maxAbsDiff(got, a), 1e-5)}`;
});
