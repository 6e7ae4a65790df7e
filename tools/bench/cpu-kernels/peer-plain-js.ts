/** The baseline: a plain JavaScript i-k-j loop on Float32Arrays, one thread. */
import { benchInput, emit, measure, sizesFromArgs, type Timing } from './measure.js';

function matmulIkj(a: Float32Array, b: Float32Array, c: Float32Array, n: number): void {
  c.fill(0);
  for (let i = 0; i < n; i++) {
    const ci = i * n;
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k];
      const bk = k * n;
      for (let j = 0; j < n; j++) c[ci + j] += aik * b[bk + j];
    }
  }
}

const sizes = sizesFromArgs(process.argv);
const out: Record<string, Timing> = {};
for (const n of sizes) {
  const a = benchInput(n * n, 1);
  const b = benchInput(n * n, 2);
  const c = new Float32Array(n * n);
  // Large sizes take seconds per call: fewer runs.
  out[n] = await measure(() => matmulIkj(a, b, c, n), n >= 1024 ? { warmup: 1, minRuns: 3, minTimeMs: 0 } : {});
}
emit({ peer: 'plain JS i-k-j', sizes: out });
