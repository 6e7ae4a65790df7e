/**
 * `pnpm bench` for the runtime: runs each tensor-core benchmark in its own process, one after the
 * other (they measure peers in the same run and print their own tables; JSON lands in
 * bench-results/), then prints one summary table gathered from the JSON files this run wrote and
 * saves it as bench-results/summary-<time>.json.
 *   node --conditions=development --import tsx tools/bench/run-all.ts [--quick]
 * --quick: smaller case lists (a full quick run takes ~10 minutes on 2 quiet cores).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { filesSince, formatSummary, gather } from './summary-table.js';

const quick = process.argv.includes('--quick');
const root = fileURLToPath(new URL('../..', import.meta.url));
const benches: [string, string[]][] = [
  ['CPU matmul 256-2048 vs plain JS, tfjs-wasm, onnxruntime-node, PyTorch', ['tools/bench/cpu-kernels/matmul.ts', ...(quick ? ['--sizes', '512,1024'] : [])]],
  ['CPU attention (fused vs unfused, PyTorch, tfjs-wasm, onnxruntime-node, plain JS)', ['tools/bench/cpu-kernels/attention.ts', ...(quick ? ['--quick'] : [])]],
  ['CPU row and elementwise kernels vs plain JS', ['tools/bench/cpu-kernels/rows.ts']],
  ['CPU LoRA linear forward and forward+backward vs tfjs-wasm, PyTorch, onnxruntime-node, plain JS', ['tools/bench/lora-linear/bench.ts', ...(quick ? ['--quick'] : [])]],
  ['conv2d at UNet/VAE shapes vs PyTorch, tfjs-wasm, onnxruntime-node, plain JS', ['tools/bench/conv2d/conv.ts', ...(quick ? ['--quick'] : [])]],
  ['transformer block forward+backward vs PyTorch and tfjs-wasm', ['tools/bench/transformer-block/block.ts', ...(quick ? ['3'] : [])]],
  ['WebGPU matmul vs tfjs-webgpu on the same Dawn adapter', ['tools/bench/webgpu/matmul.ts']],
  ['WebGPU fused LoRA linear', ['tools/bench/webgpu/lora-linear.ts']],
  ['WebGPU attention', ['tools/bench/webgpu/attention.ts']],
];

// File times have coarser resolution than Date.now() on some filesystems.
const started = Date.now() - 1000;
const loadStart = loadavg()[0];
let failed = 0;
const exits: { title: string; status: number | string; seconds: number }[] = [];
for (const [title, args] of benches) {
  console.log(`\n## ${title}\n`);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--conditions=development', '--import', 'tsx', ...args], { cwd: root, stdio: 'inherit' });
  const status = r.status ?? String(r.signal);
  exits.push({ title, status, seconds: Math.round((performance.now() - t0) / 1000) });
  if (r.status !== 0) {
    failed++;
    console.log(`(exited with ${status})`);
  }
}

const outDir = join(root, 'bench-results');
const { rows, unread } = gather(filesSince(outDir, started));
console.log(`\n## Summary: median ms, ours / peer = peer time over ours (>1: ours faster), wall-clock and per CPU-second of each process\n`);
console.log(`${cpus()[0]?.model ?? 'cpu'} x${availableParallelism()}, Node ${process.version}, 1-minute load ${loadStart.toFixed(2)} at the start, ${loadavg()[0].toFixed(2)} at the end\n`);
console.log(rows.length ? formatSummary(rows) : '(no benchmark wrote JSON this run)');
for (const f of unread) console.log(`- ${f}: no summary rows in a layout this table reads`);
for (const e of exits) console.log(`- ${e.title}: ${e.status === 0 ? 'ok' : `exited with ${e.status}`}, ${e.seconds} s`);
if (!existsSync(outDir)) mkdirSync(outDir, { recursive: true });
const file = join(outDir, `summary-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
const json = { benchmark: 'summary', date: new Date().toISOString(), quick, cpu: cpus()[0]?.model, cores: availableParallelism(), node: process.version, loadStart, loadEnd: loadavg()[0], exits, rows, unread };
writeFileSync(`${file}.tmp`, `${JSON.stringify(json, null, 2)}\n`);
renameSync(`${file}.tmp`, file);
console.log(`\nwrote ${file}`);
process.exit(failed ? 1 : 0);
