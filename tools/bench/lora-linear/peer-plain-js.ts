/** Plain-JS LoRA linear forward: dot products over rows of x and W (both row-major along `in`), one thread ("fwd:<case>"). */
import { emit, measure, type Timing } from '../cpu-kernels/measure.js';
import { caseKey, casesFromArgs, loraInputs, LORA_SCALE, type LoraCase } from './cases.js';

function forward(c: LoraCase, v: ReturnType<typeof loraInputs>, y: Float32Array): void {
  const low = new Float32Array(c.rank);
  for (let t = 0; t < c.tokens; t++) {
    const xt = t * c.inF;
    for (let r = 0; r < c.rank; r++) {
      let acc = 0;
      for (let i = 0; i < c.inF; i++) acc += v.x[xt + i] * v.a[r * c.inF + i];
      low[r] = acc * LORA_SCALE;
    }
    for (let o = 0; o < c.outF; o++) {
      const wo = o * c.inF;
      let acc = v.b[o];
      for (let i = 0; i < c.inF; i++) acc += v.x[xt + i] * v.w[wo + i];
      for (let r = 0; r < c.rank; r++) acc += low[r] * v.bUp[o * c.rank + r];
      y[t * c.outF + o] = acc;
    }
  }
}

const out: Record<string, Timing> = {};
for (const c of casesFromArgs(process.argv)) {
  const v = loraInputs(c);
  const y = new Float32Array(c.tokens * c.outF);
  out[`fwd:${caseKey(c)}`] = await measure(() => forward(c, v, y), { warmup: 1, minRuns: 3, maxRuns: 5, minTimeMs: 0 });
}
emit({ peer: 'plain JS', note: 'one thread, dot-product loops', sizes: out });
