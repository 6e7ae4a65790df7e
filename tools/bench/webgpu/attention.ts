/**
 * Attention on WebGPU: our fused kernel (WebGpuBackend.attention, no score matrix in memory)
 * against our unfused op-layer attention (matmul, scale, softmax, matmul), same Dawn device,
 * alternating runs so both see the same machine load; medians after warm-up, output read back.
 *
 *   node --conditions=development --import tsx tools/bench/webgpu/attention.ts [--seqs 256,1024] [--heads 4] [--dim 64]
 *
 * Prints a table and writes bench-results/webgpu-attention-<time>.json.
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getDevice, scaledDotProductAttention, tensor } from '../../../packages/tensor-core/src/index.js';
import type { WebGpuBackend } from '../../../packages/tensor-core/src/backends/webgpu/webgpu-backend.js';
import { benchInput, measure, numberArg, type Timing } from '../cpu-kernels/measure.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..', '..');
const argv = process.argv;
const seqs = (argv.includes('--seqs') ? argv[argv.indexOf('--seqs') + 1] : '256,1024').split(',').map(Number);
const heads = numberArg(argv, 'heads', 4);
const dim = numberArg(argv, 'dim', 64);

const device = await getDevice('webgpu');
const backend = device.backend as WebGpuBackend;
const rows: { seq: number; fused: Timing; unfused: Timing; maxAbsDiff: number }[] = [];
const loadBefore = loadavg()[0];
for (const seq of seqs) {
  const shape = [heads, seq, dim];
  const [q, k, v] = [1, 2, 3].map((seed) => tensor(benchInput(heads * seq * dim, seed), shape, { device }));
  const p = { batch: heads, lq: seq, lk: seq, d: dim, dv: dim, scale: 1 / Math.sqrt(dim), causal: false, kBatchStride: seq * dim, vBatchStride: seq * dim, maskBatchStride: 0 };
  const fusedOnce = async () => {
    const out = backend.attention(q.storage, k.storage, v.storage, null, p);
    const data = (await backend.read(out)) as Float32Array;
    backend.free(out);
    return data;
  };
  const unfusedOnce = async () => {
    const out = scaledDotProductAttention(q, k, v);
    const data = (await out.data()) as Float32Array;
    out.dispose();
    return data;
  };
  const a = await fusedOnce();
  const b = await unfusedOnce();
  let maxAbsDiff = 0;
  for (let i = 0; i < a.length; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(a[i] - b[i]));
  const opts = seq >= 2048 ? { warmup: 1, minRuns: 3, minTimeMs: 0 } : { warmup: 1, minRuns: 5, minTimeMs: 0 };
  // Alternate the two so machine load hits both alike.
  const fusedTimes: Timing[] = [];
  const unfusedTimes: Timing[] = [];
  for (let r = 0; r < 2; r++) {
    fusedTimes.push(await measure(fusedOnce, opts));
    unfusedTimes.push(await measure(unfusedOnce, opts));
  }
  const best = (ts: Timing[]) => ts.reduce((x, y) => (y.medianMs < x.medianMs ? y : x));
  rows.push({ seq, fused: best(fusedTimes), unfused: best(unfusedTimes), maxAbsDiff });
  for (const t of [q, k, v]) t.dispose();
}
const loadAfter = loadavg()[0];

console.log(`\nattention forward on WebGPU, ${heads} heads x head dim ${dim}, ms (median, output read back)\n${device.info().summary}\n`);
console.log('| seq | fused ms | unfused ms | fused speed-up | max |fused - unfused| |');
console.log('| --: | -------: | ---------: | -------------: | -----------------: |');
for (const r of rows) console.log(`| ${r.seq} | ${r.fused.medianMs.toFixed(1)} | ${r.unfused.medianMs.toFixed(1)} | ${(r.unfused.medianMs / r.fused.medianMs).toFixed(2)}x | ${r.maxAbsDiff.toExponential(1)} |`);
console.log(`\n1-min load ${loadBefore.toFixed(2)} -> ${loadAfter.toFixed(2)} on ${availableParallelism()} cores`);

const outDir = join(repo, 'bench-results');
if (!existsSync(outDir)) mkdirSync(outDir, { recursive: true });
const file = join(outDir, `webgpu-attention-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
const json = { benchmark: 'webgpu-attention-f32', date: new Date().toISOString(), device: device.info().summary, cpu: cpus()[0]?.model, cores: availableParallelism(), heads, dim, rows, loadBefore, loadAfter };
writeFileSync(`${file}.tmp`, `${JSON.stringify(json, null, 2)}\n`);
renameSync(`${file}.tmp`, file);
console.log(`wrote ${file}`);
process.exit(0);
