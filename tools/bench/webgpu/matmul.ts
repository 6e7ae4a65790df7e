/**
 * f32 matmul on WebGPU: ours against @tensorflow/tfjs-backend-webgpu, both on Dawn's adapter
 * (lavapipe here), each in its own process; figures are medians after warm-up, result read back.
 *
 *   node --conditions=development --import tsx tools/bench/webgpu/matmul.ts [--sizes 256,512,1024]
 *   node --conditions=development --import tsx tools/bench/webgpu/matmul.ts --shapes 16x3072x4096,64x64x65536 [--slices s]
 *
 * `--shapes m x n x k` instead compares our plain block kernel with split-K (heuristic, or s
 * slices forced) on small outputs with a long reduction (peer-ours-split-k.ts, A^T B layout).
 * Prints a table with the ratio and writes bench-results/webgpu-matmul-<time>.json. Lavapipe
 * runs on the host CPU, so the table also gives GFLOP per CPU-second of each process (all its
 * threads): steadier than wall time when other work shares the cores.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RESULT_PREFIX, type PeerResult } from '../cpu-kernels/measure.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..', '..');
const sizesArg = process.argv.includes('--sizes') ? process.argv[process.argv.indexOf('--sizes') + 1] : '256,512,1024';
const sizes = sizesArg.split(',').map(Number);
const shapesArg = process.argv.includes('--shapes') ? process.argv[process.argv.indexOf('--shapes') + 1] : null;
if (shapesArg) {
  runSplitK(shapesArg);
  process.exit(0);
}

interface Collected extends PeerResult {
  loadBefore: number;
  loadAfter: number;
  error?: string;
}

const results: Collected[] = [];
for (const script of ['peer-ours-webgpu.ts', 'peer-tfjs-webgpu.ts']) {
  const loadBefore = loadavg()[0];
  process.stderr.write(`running ${script} (load ${loadBefore.toFixed(2)})...\n`);
  const r = spawnSync(process.execPath, ['--conditions=development', '--import', 'tsx', join(here, script), '--sizes', sizesArg], { cwd: repo, encoding: 'utf8', timeout: 30 * 60_000, maxBuffer: 64 << 20 });
  const line = r.stdout?.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
  const loadAfter = loadavg()[0];
  if (!line) {
    const why = r.error ? String(r.error) : `exit ${r.status}: ${(r.stderr ?? '').trim().split('\n').filter((l) => !l.startsWith('Warning:')).slice(-3).join(' | ').slice(0, 400)}`;
    results.push({ peer: script.replace(/^peer-|\.ts$/g, ''), sizes: {}, loadBefore, loadAfter, error: why });
    continue;
  }
  results.push({ ...(JSON.parse(line.slice(RESULT_PREFIX.length)) as PeerResult), loadBefore, loadAfter });
}

const gflops = (r: Collected, n: number): number | null => {
  const t = r.sizes[String(n)];
  return t ? (2 * n ** 3) / (t.medianMs * 1e6) : null;
};
const cpuGflops = (r: Collected, n: number): number | null => {
  const t = r.sizes[String(n)];
  return t?.cpuMedianMs ? (2 * n ** 3) / (t.cpuMedianMs * 1e6) : null;
};
const [ours, tfjs] = results;
const rows = sizes.map((n) => {
  const a = gflops(ours, n);
  const b = gflops(tfjs, n);
  const ac = cpuGflops(ours, n);
  const bc = cpuGflops(tfjs, n);
  return [String(n), fmt(a), fmt(b), ratio(a, b), fmt(ac), fmt(bc), ratio(ac, bc)];
});
console.log(`\nf32 matmul on WebGPU, GFLOP/s (median, result read back), ${cpus()[0]?.model ?? 'cpu'} x${availableParallelism()}\n`);
console.log(markdownTable(['size', ours.peer, tfjs.peer, 'ours / tfjs', 'ours per CPU-s', 'tfjs per CPU-s', 'ratio per CPU-s'], rows));
for (const r of results) console.log(`- ${r.peer}: ${r.error ? `not measured: ${r.error}` : (r.note ?? '')} (1-min load ${r.loadBefore.toFixed(2)} -> ${r.loadAfter.toFixed(2)})`);

const outDir = join(repo, 'bench-results');
if (!existsSync(outDir)) mkdirSync(outDir, { recursive: true });
const file = join(outDir, `webgpu-matmul-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
const json = { benchmark: 'webgpu-matmul-f32', date: new Date().toISOString(), cpu: cpus()[0]?.model, cores: availableParallelism(), node: process.version, sizes, results };
writeFileSync(`${file}.tmp`, `${JSON.stringify(json, null, 2)}\n`);
renameSync(`${file}.tmp`, file);
console.log(`\nwrote ${file}`);

function fmt(v: number | null): string {
  return v === null ? '-' : v.toFixed(2);
}

function ratio(a: number | null, b: number | null): string {
  return a !== null && b !== null ? `${(a / b).toFixed(2)}x` : '-';
}

function markdownTable(head: string[], body: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(widths[i])).join(' | ')} |`;
  return [line(head), `| ${widths.map((w) => '-'.repeat(w - 1) + ':').join(' | ')} |`, ...body.map(line)].join('\n');
}

/** `--shapes`: plain vs split-K for each m x n x k, one process, table plus JSON like the square run. */
function runSplitK(shapes: string): void {
  const loadBefore = loadavg()[0];
  process.stderr.write(`running peer-ours-split-k.ts (load ${loadBefore.toFixed(2)})...\n`);
  const slices = process.argv.includes('--slices') ? ['--slices', process.argv[process.argv.indexOf('--slices') + 1]] : [];
  const r = spawnSync(process.execPath, ['--conditions=development', '--import', 'tsx', join(here, 'peer-ours-split-k.ts'), '--shapes', shapes, ...slices], { cwd: repo, encoding: 'utf8', timeout: 30 * 60_000, maxBuffer: 64 << 20 });
  const line = r.stdout?.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
  const loadAfter = loadavg()[0];
  if (!line) {
    console.log(`split-K bench failed: exit ${r.status}: ${(r.stderr ?? '').trim().split('\n').slice(-5).join(' | ')}`);
    process.exitCode = 1;
    return;
  }
  const result = JSON.parse(line.slice(RESULT_PREFIX.length)) as PeerResult;
  const body = shapes.split(',').map((shape) => {
    const flop = 2 * shape.split('x').map(Number).reduce((x, y) => x * y, 1);
    const plain = result.sizes[`${shape} plain`];
    const split = result.sizes[`${shape} splitK`];
    const g = (t: typeof plain | undefined, cpu: boolean) => (t ? flop / ((cpu ? t.cpuMedianMs ?? NaN : t.medianMs) * 1e6) : null);
    return [shape, fmt(g(plain, false)), fmt(g(split, false)), ratio(g(split, false), g(plain, false)), fmt(g(plain, true)), fmt(g(split, true)), ratio(g(split, true), g(plain, true))];
  });
  console.log(`\nf32 A^T B on WebGPU, GFLOP/s (median, result read back), ${cpus()[0]?.model ?? 'cpu'} x${availableParallelism()}\n`);
  console.log(markdownTable(['m x n x k', 'plain', 'split-K', 'split / plain', 'plain per CPU-s', 'split per CPU-s', 'ratio per CPU-s'], body));
  console.log(`- ${result.note ?? ''} (1-min load ${loadBefore.toFixed(2)} -> ${loadAfter.toFixed(2)})`);
  const outDir = join(repo, 'bench-results');
  if (!existsSync(outDir)) mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `webgpu-matmul-split-k-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const json = { benchmark: 'webgpu-matmul-split-k', date: new Date().toISOString(), cpu: cpus()[0]?.model, cores: availableParallelism(), node: process.version, shapes: shapes.split(','), result, loadBefore, loadAfter };
  writeFileSync(`${file}.tmp`, `${JSON.stringify(json, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
  console.log(`\nwrote ${file}`);
}
