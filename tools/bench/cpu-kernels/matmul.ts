/**
 * f32 matmul benchmark, square sizes: ours (WebAssembly SIMD, 1 and N threads) against plain JS,
 * tfjs-wasm (as shipped, and SIMD + threads), onnxruntime-node and PyTorch. Each peer runs in its
 * own process (they patch globals and keep threads around); figures are medians after warm-up.
 *
 *   node --conditions=development --import tsx tools/bench/cpu-kernels/matmul.ts [--sizes 256,512] [--peers ours,tfjs] [--threads 2]
 *
 * Prints a table with ratios and writes bench-results/cpu-matmul-<time>.json.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { numberArg, RESULT_PREFIX, sizesFromArgs, type PeerResult } from './measure.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..', '..');
const sizes = sizesFromArgs(process.argv);
const threads = numberArg(process.argv, 'threads', availableParallelism());
const peerFilter = process.argv.includes('--peers') ? process.argv[process.argv.indexOf('--peers') + 1].split(',') : null;
const PYTHON = '/usr/bin/python3';

interface PeerRun {
  id: string;
  cmd: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
}

const node = (script: string, ...args: string[]): Pick<PeerRun, 'cmd' | 'args'> => ({
  cmd: process.execPath,
  args: ['--conditions=development', '--import', 'tsx', join(here, script), '--sizes', sizes.join(','), ...args],
});

const torchEnv: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads), OMP_WAIT_POLICY: 'PASSIVE' };
delete torchEnv.OPENBLAS_CORETYPE;

const PEERS: PeerRun[] = [
  { id: 'ours-1t', ...node('peer-ours.ts', '--threads', '1') },
  { id: `ours-${threads}t`, ...node('peer-ours.ts', '--threads', String(threads)) },
  { id: `ours-plain-${threads}t`, ...node('peer-ours.ts', '--threads', String(threads), '--plain-simd') },
  { id: 'plain-js', ...node('peer-plain-js.ts') },
  { id: 'tfjs-wasm-stock', ...node('peer-tfjs-wasm.ts', '--threads', '1') },
  { id: `tfjs-wasm-${threads}t`, ...node('peer-tfjs-wasm.ts', '--threads', String(threads)) },
  { id: 'onnxruntime', ...node('peer-onnxruntime.ts', '--threads', String(threads)) },
  { id: 'pytorch', cmd: PYTHON, args: [join(here, 'peer-torch.py'), '--sizes', sizes.join(','), '--threads', String(threads)], env: torchEnv },
];

interface Collected extends PeerResult {
  id: string;
  loadBefore: number;
  loadAfter: number;
  error?: string;
}

const results: Collected[] = [];
for (const p of PEERS) {
  if (peerFilter && !peerFilter.some((f) => p.id.startsWith(f))) continue;
  if (p.cmd === PYTHON && !torchAvailable()) {
    results.push({ id: p.id, peer: 'pytorch', sizes: {}, loadBefore: 0, loadAfter: 0, error: 'torch is not importable by /usr/bin/python3' });
    continue;
  }
  const loadBefore = loadavg()[0];
  process.stderr.write(`running ${p.id} (load ${loadBefore.toFixed(2)})...\n`);
  const r = spawnSync(p.cmd, p.args, { cwd: repo, env: p.env ?? process.env, encoding: 'utf8', timeout: 30 * 60_000, maxBuffer: 64 << 20 });
  const line = r.stdout?.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
  const loadAfter = loadavg()[0];
  if (!line) {
    const why = r.error ? String(r.error) : `exit ${r.status}: ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ').slice(0, 400)}`;
    results.push({ id: p.id, peer: p.id, sizes: {}, loadBefore, loadAfter, error: why });
    continue;
  }
  results.push({ id: p.id, ...(JSON.parse(line.slice(RESULT_PREFIX.length)) as PeerResult), loadBefore, loadAfter });
}

const gflops = (r: Collected, n: number, by: 'median' | 'best' | 'cpu' = 'median'): number | null => {
  const t = r.sizes[String(n)];
  if (!t) return null;
  const ms = by === 'best' ? t.minMs : by === 'cpu' ? t.cpuMedianMs : t.medianMs;
  return ms ? (2 * n ** 3) / (ms * 1e6) : null;
};
const fmt = (v: number | null, digits = 1) => (v === null ? '-' : v.toFixed(digits));
const ours = results.find((r) => r.id === `ours-${threads}t` && !r.error);

const header = ['size', ...results.map((r) => r.peer)];
const rows = sizes.map((n) => [String(n), ...results.map((r) => fmt(gflops(r, n)))]);
console.log(`\nf32 matmul GFLOP/s (median), ${cpus()[0]?.model ?? 'cpu'} x${availableParallelism()}, ours with ${threads} threads\n`);
console.log(markdownTable(header, rows));
// On a shared machine the fastest run is the one least disturbed by other processes.
console.log('\nbest run GFLOP/s\n');
console.log(markdownTable(header, sizes.map((n) => [String(n), ...results.map((r) => fmt(gflops(r, n, 'best')))])));
// Work per CPU-second of the whole process (threads that spin while waiting count too).
console.log('\nGFLOP per CPU-second (median; steadier than wall time under other load)\n');
console.log(markdownTable(header, sizes.map((n) => [String(n), ...results.map((r) => fmt(gflops(r, n, 'cpu')))])));
if (ours) {
  const peers = results.filter((r) => r !== ours && !r.error);
  const ratioRows = sizes.map((n) => {
    const mine = gflops(ours, n);
    return [String(n), ...peers.map((r) => {
      const theirs = gflops(r, n);
      return mine !== null && theirs !== null ? `${(mine / theirs).toFixed(2)}x` : '-';
    })];
  });
  console.log(`\nratio ${ours.peer} / peer\n`);
  console.log(markdownTable(['size', ...peers.map((r) => r.peer)], ratioRows));
}
for (const r of results) {
  const note = r.error ? `not measured: ${r.error}` : (r.note ?? '');
  console.log(`- ${r.peer}: ${note} (1-min load ${r.loadBefore.toFixed(2)} -> ${r.loadAfter.toFixed(2)})`);
}

const outDir = join(repo, 'bench-results');
if (!existsSync(outDir)) mkdirSync(outDir, { recursive: true });
const file = join(outDir, `cpu-matmul-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
const json = { benchmark: 'cpu-matmul-f32', date: new Date().toISOString(), cpu: cpus()[0]?.model, cores: availableParallelism(), node: process.version, threads, sizes, results };
writeFileSync(`${file}.tmp`, `${JSON.stringify(json, null, 2)}\n`);
renameSync(`${file}.tmp`, file);
console.log(`\nwrote ${file}`);

function torchAvailable(): boolean {
  return spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
}

function markdownTable(head: string[], body: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(widths[i])).join(' | ')} |`;
  return [line(head), `| ${widths.map((w) => '-'.repeat(w - 1) + ':').join(' | ')} |`, ...body.map(line)].join('\n');
}
