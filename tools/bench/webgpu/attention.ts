/**
 * Attention on WebGPU through the op layer: the fused kernels (scaledDotProductAttention, which
 * takes Backend.flashAttention / flashAttentionBackward: no score matrix in memory) against the
 * unfused composite the op layer falls back to (matmul, scale, softmax, matmul), same Dawn device.
 * Forward (output read back) and forward + backward (autograd with a given output gradient, the
 * three input gradients read back). Runs alternate so both see the same machine load; medians
 * after warm-up, with the process CPU time per run (Dawn's software adapters run in-process, so
 * CPU time is the steadier figure on a shared machine).
 *
 *   node --conditions=development --import tsx tools/bench/webgpu/attention.ts [--seqs 256,1024] [--heads 4] [--dim 64] [--no-backward]
 *
 * Prints a table and writes bench-results/webgpu-attention-<time>.json.
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getDevice, matmul, scaledDotProductAttention, softmax, tensor, type Tensor } from '../../../packages/tensor-core/src/index.js';
import { benchInput, measure, numberArg, type Timing } from '../cpu-kernels/measure.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..', '..');
const argv = process.argv;
const seqs = (argv.includes('--seqs') ? argv[argv.indexOf('--seqs') + 1] : '256,1024').split(',').map(Number);
const heads = numberArg(argv, 'heads', 4);
const dim = numberArg(argv, 'dim', 64);
const backward = !argv.includes('--no-backward');

const device = await getDevice('webgpu');
const scale = 1 / Math.sqrt(dim);

/** The op layer's fallback when no fused kernel is available. */
function unfusedAttention(q: Tensor, k: Tensor, v: Tensor): Tensor {
  return matmul(softmax(matmul(q, k, { transB: true }).mul(scale), -1), v);
}

function fusedAttention(q: Tensor, k: Tensor, v: Tensor): Tensor {
  return scaledDotProductAttention(q, k, v, { scale });
}

interface Row {
  seq: number;
  forward: { fused: Timing; unfused: Timing; maxAbsDiff: number };
  backward?: { fused: Timing; unfused: Timing; maxAbsDiff: number };
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};
const best = (ts: Timing[]) => ts.reduce((x, y) => (y.medianMs < x.medianMs ? y : x));

/** Times `a` and `b` alternately (two rounds each) and keeps each one's better median. */
async function compare(a: () => Promise<unknown>, b: () => Promise<unknown>, seq: number): Promise<{ fused: Timing; unfused: Timing }> {
  const opts = seq >= 2048 ? { warmup: 1, minRuns: 3, minTimeMs: 0 } : { warmup: 1, minRuns: 5, minTimeMs: 0 };
  const ta: Timing[] = [];
  const tb: Timing[] = [];
  for (let r = 0; r < 2; r++) {
    ta.push(await measure(a, opts));
    tb.push(await measure(b, opts));
  }
  return { fused: best(ta), unfused: best(tb) };
}

const rows: Row[] = [];
const loadBefore = loadavg()[0];
for (const seq of seqs) {
  const shape = [heads, seq, dim];
  const [q, k, v, dOut] = [1, 2, 3, 4].map((seed) => tensor(benchInput(heads * seq * dim, seed), shape, { device }));
  const forwardOnce = (attn: typeof fusedAttention) => async () => {
    const out = attn(q, k, v);
    const data = await out.data();
    out.dispose();
    return data;
  };
  const trainOnce = (attn: typeof fusedAttention) => async () => {
    const leaves = [q, k, v].map((t) => t.detach().requiresGrad_());
    const out = attn(leaves[0], leaves[1], leaves[2]);
    out.backward(dOut);
    const grads: number[] = [];
    for (const t of leaves) for (const x of await t.grad!.data()) grads.push(x);
    for (const t of [...leaves, out]) t.dispose();
    return grads;
  };
  const fwdDiff = maxAbsDiff(await forwardOnce(fusedAttention)(), await forwardOnce(unfusedAttention)());
  const row: Row = { seq, forward: { ...(await compare(forwardOnce(fusedAttention), forwardOnce(unfusedAttention), seq)), maxAbsDiff: fwdDiff } };
  if (backward) {
    const bwdDiff = maxAbsDiff(await trainOnce(fusedAttention)(), await trainOnce(unfusedAttention)());
    row.backward = { ...(await compare(trainOnce(fusedAttention), trainOnce(unfusedAttention), seq)), maxAbsDiff: bwdDiff };
  }
  rows.push(row);
  for (const t of [q, k, v, dOut]) t.dispose();
}
const loadAfter = loadavg()[0];

console.log(`\nattention on WebGPU, ${heads} heads x head dim ${dim}, ms (median; CPU ms of the process in brackets)\n${device.info().summary}\n`);
console.log('| pass | seq | fused ms | unfused ms | fused speed-up (wall / CPU) | max abs diff |');
console.log('| ---- | --: | -------: | ---------: | --------------------------: | -----------: |');
const fmt = (t: Timing) => `${t.medianMs.toFixed(1)} [${(t.cpuMedianMs ?? 0).toFixed(0)}]`;
for (const r of rows) {
  for (const [pass, c] of [['forward', r.forward], ['fwd + bwd', r.backward]] as const) {
    if (!c) continue;
    const cpu = (c.unfused.cpuMedianMs ?? 0) / (c.fused.cpuMedianMs ?? 1);
    console.log(`| ${pass} | ${r.seq} | ${fmt(c.fused)} | ${fmt(c.unfused)} | ${(c.unfused.medianMs / c.fused.medianMs).toFixed(2)}x / ${cpu.toFixed(2)}x | ${c.maxAbsDiff.toExponential(1)} |`);
  }
}
console.log(`\n1-min load ${loadBefore.toFixed(2)} -> ${loadAfter.toFixed(2)} on ${availableParallelism()} cores`);

const outDir = join(repo, 'bench-results');
if (!existsSync(outDir)) mkdirSync(outDir, { recursive: true });
const file = join(outDir, `webgpu-attention-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
const json = { benchmark: 'webgpu-attention-f32', date: new Date().toISOString(), device: device.info().summary, cpu: cpus()[0]?.model, cores: availableParallelism(), heads, dim, rows, loadBefore, loadAfter };
writeFileSync(`${file}.tmp`, `${JSON.stringify(json, null, 2)}\n`);
renameSync(`${file}.tmp`, file);
console.log(`wrote ${file}`);
process.exit(0);
