/**
 * Benchmark: conv2d (3x3, padding 1) forward, and backward (input and weight gradients, timed alone after
 * an untimed forward), at UNet/VAE-like shapes on our CPU backend (WebAssembly im2col / col2im on the
 * threads + SIMD GEMM) against PyTorch in the same run (tools/bench/conv2d/conv.py, when python3-torch is present).
 * Writes bench-results/conv2d-<time>.json with `summary` rows for tools/bench/run-all.ts.
 *   node --conditions=development --import tsx tools/bench/conv2d/conv.ts [runs]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tc from '@loraflow/tensor-core';
import { summaryRow, type SummaryRow } from '../summary-row.js';

const runs = Number(process.argv[2] ?? 8);
/** [N, C, H, W, O]: VAE decoder-ish, UNet down/mid blocks. */
const SHAPES: number[][] = [
  [1, 64, 128, 128, 64],
  [1, 128, 64, 64, 128],
  [2, 320, 32, 32, 320],
  [2, 640, 16, 16, 640],
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

type Pass = 'forward' | 'backward';

function timeOurs([n, c, h, w, o]: number[], pass: Pass): { wall: number; cpu: number } {
  const x = tc.randn([n, c, h, w], { seed: 1 });
  const k = tc.randn([o, c, 3, 3], { seed: 2 });
  const gy = tc.randn([n, o, h, w], { seed: 3 });
  x.requiresGrad = pass === 'backward';
  k.requiresGrad = pass === 'backward';
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs + 2; i++) {
    let t0 = performance.now();
    let c0 = process.cpuUsage();
    tc.tidy(() => {
      const y = tc.conv2d(x, k, null, { padding: 1 });
      if (pass === 'forward') return;
      x.grad = null;
      k.grad = null;
      t0 = performance.now();
      c0 = process.cpuUsage();
      y.backward(gy);
    });
    if (i >= 2) {
      wall.push(performance.now() - t0);
      const u = process.cpuUsage(c0);
      cpu.push((u.user + u.system) / 1000);
    }
  }
  return { wall: median(wall), cpu: median(cpu) };
}

await tc.getDevice('cpu');
const loadBefore = loadavg()[0];
const script = fileURLToPath(new URL('./conv.py', import.meta.url));
const env = { ...process.env, OPENBLAS_NUM_THREADS: '2', OMP_NUM_THREADS: '2', OMP_WAIT_POLICY: 'PASSIVE' };
delete env.OPENBLAS_CORETYPE;
const torch = spawnSync('/usr/bin/python3', [script, String(runs), ...SHAPES.map((s) => s.join(','))], { env, encoding: 'utf8' });
const peer = torch.status === 0 ? torch.stdout.trim().split('\n').map((l) => JSON.parse(l) as { pass: Pass; median_ms: number; median_cpu_ms: number }) : null;

console.log(`conv2d 3x3 pad 1, ${runs} runs, ${tc.describeDevice().summary}${peer ? '' : ` (PyTorch not measured: ${(torch.stderr || 'python3-torch missing').trim().split('\n').pop()})`}`);
console.log('| N,C,H,W -> O | pass | GFLOP | ours wall ms | ours CPU ms | torch wall ms | torch CPU ms | ours/torch per CPU-s | ours/torch wall |');
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
const summary: SummaryRow[] = [];
SHAPES.forEach((s, i) => {
  const [n, c, h, w, o] = s;
  for (const pass of ['forward', 'backward'] as const) {
    // The backward computes two products of the forward's size (input and weight gradients).
    const gflop = ((pass === 'forward' ? 2 : 4) * n * o * h * w * c * 9) / 1e9;
    const ours = timeOurs(s, pass);
    const p = peer?.[2 * i + (pass === 'forward' ? 0 : 1)];
    const ratio = (a: number, b: number) => (b / a).toFixed(2) + 'x';
    const row = summaryRow(`conv2d 3x3 pad 1 ${pass}`, `${n},${c},${h},${w} -> ${o}`, { label: 'ours', ms: ours.wall, cpuMs: ours.cpu }, [p ? { label: 'PyTorch', ms: p.median_ms, cpuMs: p.median_cpu_ms } : null]);
    if (row) summary.push(row);
    console.log(
      `| ${n},${c},${h},${w} -> ${o} | ${pass} | ${gflop.toFixed(2)} | ${ours.wall.toFixed(1)} | ${ours.cpu.toFixed(1)} | ${p ? p.median_ms.toFixed(1) : '-'} | ${p ? p.median_cpu_ms.toFixed(1) : '-'} | ${p ? ratio(ours.cpu, p.median_cpu_ms) : '-'} | ${p ? ratio(ours.wall, p.median_ms) : '-'} |`,
    );
  }
});
const outDir = fileURLToPath(new URL('../../../bench-results', import.meta.url));
if (!existsSync(outDir)) mkdirSync(outDir, { recursive: true });
const file = join(outDir, `conv2d-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
const json = { benchmark: 'cpu-conv2d-f32', date: new Date().toISOString(), cpu: cpus()[0]?.model, cores: availableParallelism(), node: process.version, device: tc.describeDevice().summary, runs, loadBefore, loadAfter: loadavg()[0], summary };
writeFileSync(`${file}.tmp`, `${JSON.stringify(json, null, 2)}\n`);
renameSync(`${file}.tmp`, file);
console.log(`\nwrote ${file} (1-minute load ${loadBefore.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after)`);
process.exit(0);
