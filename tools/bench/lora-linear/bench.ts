/**
 * CPU LoRA linear, forward and forward + backward (grads for x, A, B; W and b frozen):
 * y = x W^T + b + s (x A^T) B^T at a DiT linear's shape (1024 tokens, 3072 -> 3072, rank 16) and
 * a small one (576 x 256 -> 1024, rank 8). Ours through the public @loraflow/tensor-core API,
 * against tfjs-wasm SIMD + N threads (tf.grads), PyTorch (CPU, OpenBLAS on N threads),
 * onnxruntime-node (forward only) and plain JS (forward, small shape only), each in its own process.
 *
 *   node --conditions=development --import tsx tools/bench/lora-linear/bench.ts [--quick] [--cases 576x256x1024r8] [--threads 2] [--peers tfjs,torch,onnx,plain]
 *
 * Prints tables (median ms, GFLOP/s, ratio ours / peer as peer time over our time) and writes
 * bench-results/lora-linear-<time>.json with `summary` rows for tools/bench/run-all.ts.
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { numberArg } from '../cpu-kernels/measure.js';
import { markdownTable, peerTiming, REPO_ROOT, runPeer, torchEnv, type PeerOutcome } from '../cpu-kernels/run-peer.js';
import { figure, summaryRow, type SummaryRow } from '../summary-row.js';
import { caseKey, casesFromArgs, loraFlops, type LoraCase } from './cases.js';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const threads = numberArg(process.argv, 'threads', availableParallelism());
const defaults: LoraCase[] = quick
  ? [{ tokens: 576, inF: 256, outF: 1024, rank: 8 }, { tokens: 256, inF: 3072, outF: 3072, rank: 16 }]
  : [{ tokens: 576, inF: 256, outF: 1024, rank: 8 }, { tokens: 1024, inF: 3072, outF: 3072, rank: 16 }];
const cases = process.argv.includes('--cases') ? casesFromArgs(process.argv) : defaults;
const peerFilter = process.argv.includes('--peers') ? process.argv[process.argv.indexOf('--peers') + 1].split(',') : null;
const wanted = (id: string) => !peerFilter || peerFilter.some((f) => id.startsWith(f));
/** Plain JS runs about 1 GFLOP/s: only cases under ~1 GFLOP. */
const plainCases = cases.filter((c) => loraFlops(c).forward < 1e9);

const caseArgs = (cs: LoraCase[]) => ['--cases', cs.map(caseKey).join(','), '--threads', String(threads)];
const loadBefore = loadavg()[0];
const ours = runPeer(join(here, 'peer-ours.ts'), caseArgs(cases));
const peers: [string, PeerOutcome | null][] = [
  ['tfjs', wanted('tfjs') ? runPeer(join(here, 'peer-tfjs-wasm.ts'), caseArgs(cases)) : null],
  ['pytorch', wanted('torch') ? runPeer(join(here, 'peer-torch.py'), caseArgs(cases), { python: true, env: torchEnv(threads) }) : null],
  ['onnxruntime', wanted('onnx') ? runPeer(join(here, 'peer-onnxruntime.ts'), caseArgs(cases)) : null],
  ['plain JS', wanted('plain') && plainCases.length ? runPeer(join(here, 'peer-plain-js.ts'), caseArgs(plainCases)) : null],
];
const loadAfter = loadavg()[0];
const name = (id: string, p: PeerOutcome | null) => (p && 'peer' in p ? p.peer : id);
const measured = peers.filter(([, p]) => p && 'sizes' in p) as [string, PeerOutcome][];

const ms = (t: { medianMs: number } | null) => (t ? t.medianMs.toFixed(1) : '-');
const cpuMs = (t: { cpuMedianMs?: number } | null) => (t?.cpuMedianMs !== undefined ? t.cpuMedianMs.toFixed(1) : '-');
const ratio = (mine: { medianMs: number } | null, theirs: { medianMs: number } | null) => (mine && theirs ? `${(theirs.medianMs / mine.medianMs).toFixed(2)}x` : '-');
const cpuRatio = (mine: { cpuMedianMs?: number } | null, theirs: { cpuMedianMs?: number } | null) =>
  mine?.cpuMedianMs && theirs?.cpuMedianMs ? `${(theirs.cpuMedianMs / mine.cpuMedianMs).toFixed(2)}x` : '-';
const oursName = name('ours', ours);

console.log(`\nLoRA linear, f32, ${cpus()[0]?.model ?? 'cpu'} x${availableParallelism()}, ${threads} threads; 1-min load ${loadBefore.toFixed(2)} -> ${loadAfter.toFixed(2)}`);
for (const [phase, title] of [['fwd', 'forward'], ['step', 'forward + backward (dx, dA, dB)']] as const) {
  const cols = measured.filter(([, p]) => Object.keys((p as { sizes: object }).sizes).some((k) => k.startsWith(`${phase}:`)));
  const head = ['case', 'GFLOP', oursName, ...cols.map(([id, p]) => name(id, p))];
  console.log(`\n${title}: median ms (CPU ms of the process in brackets)\n`);
  console.log(markdownTable(head, cases.map((c) => {
    const key = `${phase}:${caseKey(c)}`;
    const gflop = (phase === 'fwd' ? loraFlops(c).forward : loraFlops(c).forward + loraFlops(c).backward) / 1e9;
    const cell = (t: ReturnType<typeof peerTiming>) => (t ? `${ms(t)} (${cpuMs(t)})` : '-');
    return [caseKey(c), gflop.toFixed(2), cell(peerTiming(ours, key)), ...cols.map(([, p]) => cell(peerTiming(p, key)))];
  })));
  console.log(`\n${title}: ratio ${oursName} / peer (peer time over ours; >1: ours faster), wall [per CPU-second]\n`);
  console.log(markdownTable(['case', ...cols.map(([id, p]) => name(id, p))], cases.map((c) => {
    const key = `${phase}:${caseKey(c)}`;
    const mine = peerTiming(ours, key);
    return [caseKey(c), ...cols.map(([, p]) => `${ratio(mine, peerTiming(p, key))} [${cpuRatio(mine, peerTiming(p, key))}]`)];
  })));
}
for (const [id, p] of [['ours', ours] as [string, PeerOutcome | null], ...peers]) {
  if (p) console.log(`- ${name(id, p)}: ${'error' in p ? `not measured: ${p.error}` : (p.note ?? '')}`);
}

const summary: SummaryRow[] = cases.flatMap((c) =>
  (['fwd', 'step'] as const).map((phase) => {
    const key = `${phase}:${caseKey(c)}`;
    return summaryRow(`lora linear ${phase === 'fwd' ? 'forward' : 'fwd+bwd'}`, caseKey(c), figure(oursName, peerTiming(ours, key)), measured.map(([id, p]) => figure(name(id, p), peerTiming(p, key))));
  }).filter((r): r is SummaryRow => r !== null),
);
const outDir = join(REPO_ROOT, 'bench-results');
if (!existsSync(outDir)) mkdirSync(outDir, { recursive: true });
const file = join(outDir, `lora-linear-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
const json = { benchmark: 'cpu-lora-linear-f32', date: new Date().toISOString(), cpu: cpus()[0]?.model, cores: availableParallelism(), node: process.version, threads, cases, loadBefore, loadAfter, ours, peers: Object.fromEntries(peers), summary };
writeFileSync(`${file}.tmp`, `${JSON.stringify(json, null, 2)}\n`);
renameSync(`${file}.tmp`, file);
console.log(`\nwrote ${file}`);
process.exit(ours && 'error' in ours ? 1 : 0);
