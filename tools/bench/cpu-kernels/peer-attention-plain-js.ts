/** Plain-JS attention peer: per query row, scores against every key, a max-shifted softmax and the weighted sum of v; one thread, forward only. */
import { attentionInputs, caseKey, casesFromArgs, type AttentionCase } from './attention-cases.js';
import { emit, measure, type Timing } from './measure.js';

function attention(c: AttentionCase, q: Float32Array, k: Float32Array, v: Float32Array, o: Float32Array): void {
  const { seq: s, dim: d, bh } = c;
  const scale = 1 / Math.sqrt(d);
  const p = new Float32Array(s);
  for (let b = 0; b < bh; b++) {
    const base = b * s * d;
    for (let i = 0; i < s; i++) {
      const qi = base + i * d;
      let max = -Infinity;
      for (let j = 0; j < s; j++) {
        const kj = base + j * d;
        let acc = 0;
        for (let t = 0; t < d; t++) acc += q[qi + t] * k[kj + t];
        p[j] = acc * scale;
        if (p[j] > max) max = p[j];
      }
      let sum = 0;
      for (let j = 0; j < s; j++) sum += p[j] = Math.exp(p[j] - max);
      o.fill(0, qi, qi + d);
      for (let j = 0; j < s; j++) {
        const w = p[j] / sum;
        const vj = base + j * d;
        for (let t = 0; t < d; t++) o[qi + t] += w * v[vj + t];
      }
    }
  }
}

const out: Record<string, Timing> = {};
for (const c of casesFromArgs(process.argv)) {
  const x = attentionInputs(c);
  const o = new Float32Array(x.q.length);
  out[caseKey(c)] = await measure(() => attention(c, x.q, x.k, x.v, o), { warmup: 1, minRuns: 3, maxRuns: 5, minTimeMs: 0 });
}
emit({ peer: 'plain JS', note: 'one thread, row-at-a-time softmax', sizes: out });
