/**
 * Row-wise and elementwise kernels (softmax, layer norm, RMS norm, exp, gelu, geluTanh, silu) on
 * a [576, 1024] f32 tensor: ours (wasm SIMD, 1 and N threads, copies in and out included) against
 * the plain JS loops a CPU backend would otherwise run. Figures are M elements per second (median
 * wall clock) and per CPU-second.
 *
 *   node --conditions=development --import tsx tools/bench/cpu-kernels/rows.ts [--threads 2]
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createWasmKernels, type UnaryKernelOp } from '../../../packages/tensor-core/src/backends/cpu/wasm/index.js';
import { benchInput, measure, numberArg, type Timing } from './measure.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const threads = numberArg(process.argv, 'threads', availableParallelism());
const rows = 576;
const cols = 1024;
const n = rows * cols;
const x = benchInput(n, 1).map((v) => 3 * v);
const out = new Float32Array(n);
const w = benchInput(cols, 2);
const b = benchInput(cols, 3);

const js: Record<string, () => void> = {
  softmax: () => {
    for (let r = 0; r < rows; r++) {
      let m = -Infinity;
      for (let c = 0; c < cols; c++) m = Math.max(m, x[r * cols + c]);
      let s = 0;
      for (let c = 0; c < cols; c++) s += out[r * cols + c] = Math.exp(x[r * cols + c] - m);
      for (let c = 0; c < cols; c++) out[r * cols + c] /= s;
    }
  },
  layerNorm: () => {
    for (let r = 0; r < rows; r++) {
      let m = 0;
      for (let c = 0; c < cols; c++) m += x[r * cols + c];
      m /= cols;
      let v = 0;
      for (let c = 0; c < cols; c++) v += (x[r * cols + c] - m) ** 2;
      const rs = 1 / Math.sqrt(v / cols + 1e-5);
      for (let c = 0; c < cols; c++) out[r * cols + c] = (x[r * cols + c] - m) * rs * w[c] + b[c];
    }
  },
  rmsNorm: () => {
    for (let r = 0; r < rows; r++) {
      let ms = 0;
      for (let c = 0; c < cols; c++) ms += x[r * cols + c] ** 2;
      const rs = 1 / Math.sqrt(ms / cols + 1e-6);
      for (let c = 0; c < cols; c++) out[r * cols + c] = x[r * cols + c] * rs * w[c];
    }
  },
  exp: () => {
    for (let i = 0; i < n; i++) out[i] = Math.exp(x[i]);
  },
  geluTanh: () => {
    for (let i = 0; i < n; i++) out[i] = 0.5 * x[i] * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x[i] + 0.044715 * x[i] ** 3)));
  },
  silu: () => {
    for (let i = 0; i < n; i++) out[i] = x[i] / (1 + Math.exp(-x[i]));
  },
};

const results: { op: string; ours1: Timing; oursN: Timing; js: Timing | null }[] = [];
const k1 = await createWasmKernels({ threads: 1 });
const kN = await createWasmKernels({ threads });
const ours = (k: typeof k1): Record<string, () => void> => ({
  softmax: () => k.softmax(x, out, { rows, cols }),
  layerNorm: () => k.layerNorm(x, out, { rows, cols, eps: 1e-5, weight: w, bias: b }),
  rmsNorm: () => k.rmsNorm(x, out, { rows, cols, eps: 1e-6, weight: w }),
  ...Object.fromEntries((['exp', 'gelu', 'geluTanh', 'silu'] as UnaryKernelOp[]).map((op) => [op, () => k.unary(op, x, out)])),
});
const o1 = ours(k1);
const oN = ours(kN);
for (const op of Object.keys(o1)) {
  results.push({ op, ours1: await measure(o1[op]), oursN: await measure(oN[op]), js: js[op] ? await measure(js[op]) : null });
}
k1.dispose();
kN.dispose();

const rate = (t: Timing | null, cpu = false) => {
  const ms = cpu ? t?.cpuMedianMs : t?.medianMs;
  return ms ? (n / (ms * 1e3)).toFixed(0) : '-';
};
console.log(`\n[${rows}, ${cols}] f32, M elements/s (median) | per CPU-s, ${cpus()[0]?.model ?? 'cpu'} x${availableParallelism()}\n`);
console.log(`| op | ours 1t | ours ${threads}t | plain JS | ours 1t per CPU-s | plain JS per CPU-s |`);
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const r of results) console.log(`| ${r.op} | ${rate(r.ours1)} | ${rate(r.oursN)} | ${rate(r.js)} | ${rate(r.ours1, true)} | ${rate(r.js, true)} |`);
const outDir = join(repo, 'bench-results');
if (!existsSync(outDir)) mkdirSync(outDir, { recursive: true });
const file = join(outDir, `cpu-rows-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(`${file}.tmp`, `${JSON.stringify({ benchmark: 'cpu-rows-f32', date: new Date().toISOString(), rows, cols, threads, results }, null, 2)}\n`);
renameSync(`${file}.tmp`, file);
console.log(`\nwrote ${file}`);
