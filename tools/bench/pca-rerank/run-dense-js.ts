/**
 * Child process of bench.ts: the dense approach in our runtime, as kohya's resize does it but in JS:
 * form W = B @ A in float32, then a dense SVD of W (one-sided Jacobi in float64, the same routine
 * pca-rerank runs on its r x r core, here on the whole matrix), then keep the top k. Prints one JSON
 * line with the time of each step per shape `OUTxIN` given on the command line; `--form-only` times
 * only the forming of W (the SVD of a real-size W takes far too long to run in a benchmark).
 */
import { jacobiSvd } from '../../../packages/pca-rerank/src/index.js';
import { xorshiftUnits } from '../cpu-kernels/measure.js';

const rank = 64;
const keep = 16;

function seeded(n: number, seed: number, scale: number): Float32Array {
  return Float32Array.from(xorshiftUnits(n, seed), (u) => (u - 0.5) * scale);
}

const formOnly = process.argv.includes('--form-only');
const results = [];
for (const arg of process.argv.slice(2).filter((a) => !a.startsWith('--'))) {
  const [rows, cols] = arg.split('x').map(Number);
  const up = seeded(rows * rank, 1, 0.1);
  const down = seeded(rank * cols, 2, 0.1);
  const t0 = performance.now();
  const w = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const row = i * cols;
    for (let l = 0; l < rank; l++) {
      const b = up[i * rank + l];
      const base = l * cols;
      for (let c = 0; c < cols; c++) w[row + c] += b * down[base + c];
    }
  }
  const t1 = performance.now();
  if (formOnly) {
    results.push({ shape: [rows, cols], formSeconds: (t1 - t0) / 1000, svdSeconds: null, maxRssMiB: process.resourceUsage().maxRSS / 1024 });
    continue;
  }
  // Column-major float64 view of W (rows x cols); jacobiSvd transposes wide matrices itself.
  const colMajor = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let c = 0; c < cols; c++) colMajor[c * rows + i] = w[i * cols + c];
  const svd = jacobiSvd(colMajor, rows, cols);
  const upOut = new Float32Array(rows * keep);
  for (let i = 0; i < rows; i++) for (let j = 0; j < keep; j++) upOut[i * keep + j] = svd.u[j * rows + i] * svd.s[j];
  const t2 = performance.now();
  results.push({ shape: [rows, cols], formSeconds: (t1 - t0) / 1000, svdSeconds: (t2 - t1) / 1000, maxRssMiB: process.resourceUsage().maxRSS / 1024 });
}
process.stdout.write(`${JSON.stringify(results)}\n`);
