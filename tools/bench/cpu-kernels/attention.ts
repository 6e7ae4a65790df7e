/**
 * CPU attention, [batch*heads, seq, headDim] f32: our fused wasm forward (online softmax, no
 * score matrix) against the unfused composition of our own kernels (batched q k^T matmul,
 * softmax over rows, P v matmul) and PyTorch's softmax(q k^T / sqrt d) v when torch is
 * importable; and our fused backward against PyTorch autograd through the same expression.
 *
 *   node --conditions=development --import tsx tools/bench/cpu-kernels/attention.ts [--seqs 256,1024] [--dims 64,128] [--threads 2]
 *
 * Prints a table (GFLOP/s counting 4*bh*s*s*d) and writes bench-results/cpu-attention-<time>.json.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createWasmKernels } from '../../../packages/tensor-core/src/backends/cpu/wasm/index.js';
import { benchInput, measure, numberArg, RESULT_PREFIX, type Timing } from './measure.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..', '..');
const listArg = (name: string, fallback: string) =>
  (process.argv.includes(`--${name}`) ? process.argv[process.argv.indexOf(`--${name}`) + 1] : fallback).split(',').map(Number);
const seqs = listArg('seqs', '256,1024,4096');
const dims = listArg('dims', '64,128');
const threads = numberArg(process.argv, 'threads', availableParallelism());
/** batch*heads per case: fixed work per row of the table would make long sequences take minutes. */
const heads = (s: number) => Math.max(1, Math.min(8, Math.floor((8 * 1024 * 1024) / (s * s))));

const kern = await createWasmKernels({ threads });
interface Row {
  seq: number;
  dim: number;
  bh: number;
  fused: Timing;
  unfused: Timing | null;
  torch: Timing | null;
  backward: Timing;
  torchBackward: Timing | null;
}
const rows: Row[] = [];
for (const d of dims) {
  for (const s of seqs) {
    const bh = heads(s);
    const q = benchInput(bh * s * d, 1);
    const k = benchInput(bh * s * d, 2);
    const v = benchInput(bh * s * d, 3);
    const out = new Float32Array(bh * s * d);
    const scale = 1 / Math.sqrt(d);
    const fused = await measure(() => kern.attention(q, k, v, out, { batchHeads: bh, seqQ: s, seqK: s, headDim: d, scale }), { maxRuns: 15 });
    // Unfused: the score matrix [bh, s, s] is materialised (4 bytes * bh * s^2).
    let unfused: Timing | null = null;
    if (bh * s * s <= 64 * 1024 * 1024) {
      const scores = new Float32Array(bh * s * s);
      const probs = new Float32Array(bh * s * s);
      unfused = await measure(() => {
        kern.matmul(q, k, scores, { batch: bh, m: s, n: s, k: d, transA: false, transB: true, aBatchStride: s * d, bBatchStride: s * d });
        for (let i = 0; i < scores.length; i++) scores[i] *= scale;
        kern.softmax(scores, probs, { rows: bh * s, cols: s });
        kern.matmul(probs, v, out, { batch: bh, m: s, n: d, k: s, transA: false, transB: false, aBatchStride: s * s, bBatchStride: s * d });
      }, { maxRuns: 15 });
    }
    const lse = new Float32Array(bh * s);
    const p = { batchHeads: bh, seqQ: s, seqK: s, headDim: d, scale, lse };
    kern.attention(q, k, v, out, p);
    const dO = benchInput(bh * s * d, 4);
    const grads = { dq: new Float32Array(bh * s * d), dk: new Float32Array(bh * s * d), dv: new Float32Array(bh * s * d) };
    const backward = await measure(() => kern.attentionBackward({ q, k, v, o: out, dO, lse }, grads, p), { maxRuns: 15 });
    rows.push({ seq: s, dim: d, bh, fused, unfused, torch: torchAttention(bh, s, d, false), backward, torchBackward: torchAttention(bh, s, d, true) });
    process.stderr.write(`seq ${s} dim ${d} done (load ${loadavg()[0].toFixed(2)})\n`);
  }
}
kern.dispose();

const gf = (r: Row, t: Timing | null, cpu = false) => {
  const ms = cpu ? t?.cpuMedianMs : t?.medianMs;
  return ms ? ((4 * r.bh * r.seq * r.seq * r.dim) / (ms * 1e6)).toFixed(1) : '-';
};
const ratio = (a: Timing, b: Timing | null) => (b ? `${(b.medianMs / a.medianMs).toFixed(2)}x` : '-');
console.log(`\nattention forward GFLOP/s (median, 4*bh*s^2*d FLOPs), ${cpus()[0]?.model ?? 'cpu'} x${availableParallelism()}, ${threads} threads\n`);
console.log('| seq | head dim | batch*heads | fused | unfused (ours) | pytorch | fused / unfused | fused / pytorch | fused per CPU-s | unfused per CPU-s |');
console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  const cells = [r.seq, r.dim, r.bh, gf(r, r.fused), gf(r, r.unfused), gf(r, r.torch), ratio(r.fused, r.unfused), ratio(r.fused, r.torch), gf(r, r.fused, true), gf(r, r.unfused, true)];
  console.log(`| ${cells.join(' | ')} |`);
}
const gfb = (r: Row, t: Timing | null, cpu = false) => {
  const ms = cpu ? t?.cpuMedianMs : t?.medianMs;
  return ms ? ((10 * r.bh * r.seq * r.seq * r.dim) / (ms * 1e6)).toFixed(1) : '-';
};
console.log(`\nattention backward GFLOP/s (median, 10*bh*s^2*d FLOPs: the five products, scores recomputed)\n`);
console.log('| seq | head dim | batch*heads | fused backward | pytorch autograd | fused / pytorch | fused per CPU-s |');
console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  console.log(`| ${[r.seq, r.dim, r.bh, gfb(r, r.backward), gfb(r, r.torchBackward), ratio(r.backward, r.torchBackward), gfb(r, r.backward, true)].join(' | ')} |`);
}
const outDir = join(repo, 'bench-results');
if (!existsSync(outDir)) mkdirSync(outDir, { recursive: true });
const file = join(outDir, `cpu-attention-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(`${file}.tmp`, `${JSON.stringify({ benchmark: 'cpu-attention-f32', date: new Date().toISOString(), cpu: cpus()[0]?.model, threads, rows }, null, 2)}\n`);
renameSync(`${file}.tmp`, file);
console.log(`\nwrote ${file}`);

/** Median time of torch's softmax(q k^T * scale) v (or its autograd backward) on the same shapes, or null without torch. */
function torchAttention(bh: number, s: number, d: number, backward: boolean): Timing | null {
  const script = `
import statistics, time, torch
torch.set_num_threads(${threads})
q, k, v = (torch.rand(${bh}, ${s}, ${d}, requires_grad=${backward ? 'True' : 'False'}) for _ in range(3))
g = torch.rand(${bh}, ${s}, ${d})
def forward():
    return torch.softmax(q @ k.transpose(1, 2) * ${1 / Math.sqrt(d)}, dim=-1) @ v
out = forward() if ${backward ? 'True' : 'False'} else None
def run():
    if out is None:
        return forward()
    q.grad = k.grad = v.grad = None
    out.backward(g, retain_graph=True)
for _ in range(2): run()
ts = []
start = time.perf_counter()
while len(ts) < 3 or (time.perf_counter() - start < 1.5 and len(ts) < 15):
    t0 = time.perf_counter(); run(); ts.append((time.perf_counter() - t0) * 1000)
print("${RESULT_PREFIX}" + str(statistics.median(ts)) + " " + str(min(ts)) + " " + str(len(ts)))
`;
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads), OMP_WAIT_POLICY: 'PASSIVE' };
  delete env.OPENBLAS_CORETYPE;
  const r = spawnSync('/usr/bin/python3', ['-c', script], { env, encoding: 'utf8', timeout: 10 * 60_000 });
  const line = r.stdout?.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
  if (!line) return null;
  const [medianMs, minMs, runs] = line.slice(RESULT_PREFIX.length).split(' ').map(Number);
  return { medianMs, minMs, runs };
}
