/**
 * LoRA linear forward on WebGPU, y = silu(x W^T + b + s (x A^T) B^T): the loraLinear op
 * (three dispatches, epilogue-fused, then silu) against the same layer written with tensor ops (unfused),
 * same device, alternating runs; medians after warm-up, output read back.
 *
 *   node --conditions=development --import tsx tools/bench/webgpu/lora-linear.ts [--m 576] [--features 512] [--rank 16]
 *
 * Prints a table and writes bench-results/webgpu-lora-linear-<time>.json.
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getDevice, loraLinear, tensor } from '../../../packages/tensor-core/src/index.js';
import { benchInput, measure, numberArg, type Timing } from '../cpu-kernels/measure.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..', '..');
const m = numberArg(process.argv, 'm', 576);
const f = numberArg(process.argv, 'features', 512);
const rank = numberArg(process.argv, 'rank', 16);
const scale = 1;

const device = await getDevice('webgpu');
const x = tensor(benchInput(m * f, 1), [m, f], { device });
const w = tensor(benchInput(f * f, 2).map((v) => v / Math.sqrt(f)), [f, f], { device });
const b = tensor(benchInput(f, 3), [f], { device });
const a = tensor(benchInput(rank * f, 4).map((v) => v / Math.sqrt(f)), [rank, f], { device });
const bb = tensor(benchInput(f * rank, 5), [f, rank], { device });

const fusedOnce = async () => {
  const y = loraLinear(x, w, b, a, bb, scale).silu();
  const data = (await y.data()) as Float32Array;
  y.dispose();
  return data;
};
const unfusedOnce = async () => {
  const y = x.matmul(w, { transB: true }).add(b).add(x.matmul(a, { transB: true }).matmul(bb, { transB: true }).mul(scale)).silu();
  const data = (await y.data()) as Float32Array;
  y.dispose();
  return data;
};
const r1 = await fusedOnce();
const r2 = await unfusedOnce();
let maxAbsDiff = 0;
for (let i = 0; i < r1.length; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(r1[i] - r2[i]));
const loadBefore = loadavg()[0];
const fused: Timing[] = [];
const unfused: Timing[] = [];
for (let r = 0; r < 2; r++) {
  fused.push(await measure(fusedOnce, { warmup: 1, minRuns: 5, minTimeMs: 0 }));
  unfused.push(await measure(unfusedOnce, { warmup: 1, minRuns: 5, minTimeMs: 0 }));
}
const loadAfter = loadavg()[0];
const best = (ts: Timing[]) => ts.reduce((p, q) => (q.medianMs < p.medianMs ? q : p));
const fb = best(fused);
const ub = best(unfused);
console.log(`\nLoRA linear forward on WebGPU (m ${m}, ${f} -> ${f}, rank ${rank}, silu), ms (median, output read back)\n${device.info().summary}\n`);
console.log('| fused ms | unfused ms | speed-up | max |fused - unfused| |');
console.log('| -------: | ---------: | -------: | -----------------: |');
console.log(`| ${fb.medianMs.toFixed(1)} | ${ub.medianMs.toFixed(1)} | ${(ub.medianMs / fb.medianMs).toFixed(2)}x | ${maxAbsDiff.toExponential(1)} |`);
console.log(`\n1-min load ${loadBefore.toFixed(2)} -> ${loadAfter.toFixed(2)} on ${availableParallelism()} cores`);

const outDir = join(repo, 'bench-results');
if (!existsSync(outDir)) mkdirSync(outDir, { recursive: true });
const file = join(outDir, `webgpu-lora-linear-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
const json = { benchmark: 'webgpu-lora-linear-f32', date: new Date().toISOString(), device: device.info().summary, cpu: cpus()[0]?.model, cores: availableParallelism(), m, features: f, rank, fused: fb, unfused: ub, maxAbsDiff, loadBefore, loadAfter };
writeFileSync(`${file}.tmp`, `${JSON.stringify(json, null, 2)}\n`);
renameSync(`${file}.tmp`, file);
console.log(`wrote ${file}`);
process.exit(0);
