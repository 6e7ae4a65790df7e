/**
 * CPU attention, [batch*heads, seq, headDim] f32: our fused wasm forward (online softmax, no
 * score matrix) against the unfused composition of our own kernels (batched q k^T matmul,
 * softmax over rows, P v matmul), PyTorch's softmax(q k^T / sqrt d) v when torch is importable,
 * and, each in its own process, tfjs-wasm SIMD + N threads (tf.matMul / tf.softmax),
 * onnxruntime-node (an unfused ONNX graph, and its fused com.microsoft.MultiHeadAttention) and plain JS (seq <= 256 only: it is slow); our fused
 * backward against PyTorch autograd and tfjs's tf.grads through the same expression.
 *
 * --quick: seq 256 and 1024, head dim 64.
 *   node --conditions=development --import tsx tools/bench/cpu-kernels/attention.ts [--quick] [--seqs 256,1024] [--dims 64,128] [--threads 2] [--peers tfjs,onnx,plain]
 *
 * Prints tables (GFLOP/s counting 4*bh*s*s*d, ratios ours / peer) and writes
 * bench-results/cpu-attention-<time>.json (with `summary` rows for tools/bench/run-all.ts).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createWasmKernels } from '../../../packages/tensor-core/src/backends/cpu/wasm/index.js';
import { figure, summaryRow, type SummaryRow } from '../summary-row.js';
import { caseKey, type AttentionCase } from './attention-cases.js';
import { benchInput, measure, numberArg, RESULT_PREFIX, type Timing } from './measure.js';
import { peerTiming, runPeer, type PeerOutcome } from './run-peer.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..', '..');
const listArg = (name: string, fallback: string) =>
  (process.argv.includes(`--${name}`) ? process.argv[process.argv.indexOf(`--${name}`) + 1] : fallback).split(',').map(Number);
const quick = process.argv.includes('--quick');
const seqs = listArg('seqs', quick ? '256,1024' : '256,1024,4096');
const dims = listArg('dims', quick ? '64' : '64,128');
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

const peerFilter = process.argv.includes('--peers') ? process.argv[process.argv.indexOf('--peers') + 1].split(',') : null;
const wanted = (id: string) => !peerFilter || peerFilter.some((f) => id.startsWith(f));
const allCases: AttentionCase[] = rows.map((r) => ({ seq: r.seq, dim: r.dim, bh: r.bh }));
const attentionPeer = (script: string, cases: AttentionCase[]): PeerOutcome | null =>
  cases.length ? runPeer(join(here, script), ['--cases', cases.map(caseKey).join(','), '--threads', String(threads)]) : null;
const tfjs = wanted('tfjs') ? attentionPeer('peer-attention-tfjs.ts', allCases) : null;
const onnx = wanted('onnx') ? attentionPeer('peer-attention-onnxruntime.ts', allCases) : null;
const plain = wanted('plain') ? attentionPeer('peer-attention-plain-js.ts', allCases.filter((c) => c.seq <= 256)) : null;
const peerTime = (p: PeerOutcome | null, r: Row, prefix = ''): Timing | null => peerTiming(p, prefix + caseKey({ seq: r.seq, dim: r.dim, bh: r.bh }));

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
const peerName = (p: PeerOutcome | null, fallback: string) => (p && 'peer' in p ? p.peer : fallback);
const [tfName, onnxName, plainName] = [peerName(tfjs, 'tfjs-wasm'), peerName(onnx, 'onnxruntime-node'), peerName(plain, 'plain JS')];
console.log(`\nattention forward against the Node peers, GFLOP/s (median) and ratio fused / peer (>1: ours faster)\n`);
const mhaName = `${onnxName} MHA`;
console.log(`| seq | head dim | batch*heads | fused | ${tfName} | ${onnxName} | ${mhaName} | ${plainName} | fused / ${tfName} | fused / ${onnxName} | fused / ${mhaName} | fused / ${plainName} | ${tfName} per CPU-s | ${onnxName} per CPU-s | ${mhaName} per CPU-s |`);
console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  const [t, o, m, p] = [peerTime(tfjs, r), peerTime(onnx, r), peerTime(onnx, r, 'mha:'), peerTime(plain, r)];
  console.log(`| ${[r.seq, r.dim, r.bh, gf(r, r.fused), gf(r, t), gf(r, o), gf(r, m), gf(r, p), ratio(r.fused, t), ratio(r.fused, o), ratio(r.fused, m), ratio(r.fused, p), gf(r, t, true), gf(r, o, true), gf(r, m, true)].join(' | ')} |`);
}
console.log(`\nattention backward against ${tfName} (tf.grads), GFLOP/s (median, 10*bh*s^2*d FLOPs)\n`);
console.log(`| seq | head dim | batch*heads | fused backward | ${tfName} | fused / ${tfName} | ${tfName} per CPU-s |`);
console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  const t = peerTime(tfjs, r, 'bwd:');
  console.log(`| ${[r.seq, r.dim, r.bh, gfb(r, r.backward), gfb(r, t), ratio(r.backward, t), gfb(r, t, true)].join(' | ')} |`);
}
for (const [name, p] of [[tfName, tfjs], [onnxName, onnx], [plainName, plain]] as const) {
  if (p) console.log(`- ${name}: ${'error' in p ? `not measured: ${p.error}` : (p.note ?? '')}`);
}

const summary: SummaryRow[] = rows.flatMap((r) => {
  const c = `seq ${r.seq} d ${r.dim} bh ${r.bh}`;
  return [
    summaryRow('cpu attention forward', c, figure('ours fused', r.fused), [
      figure('ours unfused', r.unfused), figure('pytorch', r.torch), figure(tfName, peerTime(tfjs, r)), figure(onnxName, peerTime(onnx, r)), figure(mhaName, peerTime(onnx, r, 'mha:')), figure(plainName, peerTime(plain, r)),
    ]),
    summaryRow('cpu attention backward', c, figure('ours fused', r.backward), [figure('pytorch', r.torchBackward), figure(tfName, peerTime(tfjs, r, 'bwd:'))]),
  ].filter((x): x is SummaryRow => x !== null);
});
const outDir = join(repo, 'bench-results');
if (!existsSync(outDir)) mkdirSync(outDir, { recursive: true });
const file = join(outDir, `cpu-attention-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(`${file}.tmp`, `${JSON.stringify({ benchmark: 'cpu-attention-f32', date: new Date().toISOString(), cpu: cpus()[0]?.model, threads, rows, peers: { tfjs, onnx, plain }, summary }, null, 2)}\n`);
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
cs = []
start = time.perf_counter()
while len(ts) < 3 or (time.perf_counter() - start < 1.5 and len(ts) < 15):
    c0 = time.process_time(); t0 = time.perf_counter(); run(); ts.append((time.perf_counter() - t0) * 1000); cs.append((time.process_time() - c0) * 1000)
print("${RESULT_PREFIX}" + str(statistics.median(ts)) + " " + str(min(ts)) + " " + str(len(ts)) + " " + str(statistics.median(cs)))
`;
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads), OMP_WAIT_POLICY: 'PASSIVE' };
  delete env.OPENBLAS_CORETYPE;
  const r = spawnSync('/usr/bin/python3', ['-c', script], { env, encoding: 'utf8', timeout: 10 * 60_000 });
  const line = r.stdout?.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
  if (!line) return null;
  const [medianMs, minMs, runs, cpuMedianMs] = line.slice(RESULT_PREFIX.length).split(' ').map(Number);
  return { medianMs, minMs, runs, cpuMedianMs };
}
