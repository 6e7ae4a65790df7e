/**
 * Benchmark: one forward+backward of a pre-LayerNorm transformer block (hidden 256, 4 heads x 64,
 * MLP 1024, GELU-tanh; batch 2 x 288 tokens, ~3.2 GFLOP) on our CPU backend, against the same block
 * in PyTorch (tools/bench/transformer-block/block.py, run when Debian's python3-torch is present) and
 * in tfjs-wasm SIMD + 2 threads (peer-tfjs-wasm.ts, its own process). Writes
 * bench-results/transformer-block-<time>.json with `summary` rows for tools/bench/run-all.ts.
 *   node --conditions=development --import tsx tools/bench/transformer-block/block.ts [runs]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tc from '@loraflow/tensor-core';
import { peerTiming, REPO_ROOT, runPeer } from '../cpu-kernels/run-peer.js';
import { summaryRow } from '../summary-row.js';

const [B, L, D, H, M] = [2, 288, 256, 4, 1024];
const runs = Number(process.argv[2] ?? 10);

class Block extends tc.Module {
  norm1 = new tc.LayerNorm(D);
  qkv = new tc.Linear(D, 3 * D);
  out = new tc.Linear(D, D);
  norm2 = new tc.LayerNorm(D);
  fc1 = new tc.Linear(D, M);
  fc2 = new tc.Linear(M, D);

  forward(x: tc.Tensor): tc.Tensor {
    const h = this.norm1.forward(x);
    const [q, k, v] = tc.split(this.qkv.forward(h).reshape([B, L, 3, H, D / H]).permute([2, 0, 3, 1, 4]), 3, 0).map((t) => t.squeeze(0));
    const a = tc.scaledDotProductAttention(q, k, v);
    const x2 = x.add(this.out.forward(a.transpose(1, 2).reshape([B, L, D])));
    return x2.add(this.fc2.forward(tc.gelu(this.fc1.forward(this.norm2.forward(x2)), 'tanh')));
  }
}

/** FLOPs of one forward+backward (matmuls only: backward = 2x forward). */
function flops(): number {
  const lin = 2 * B * L * (D * 3 * D + D * D + 2 * D * M);
  const att = 2 * 2 * B * H * L * L * (D / H);
  return 3 * (lin + att);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Times our block on a device; returns per-run wall and CPU milliseconds (CPU time counts every thread). */
export async function timeOurs(device: tc.Device, n: number): Promise<{ wall: number[]; cpu: number[] }> {
  const block = new Block();
  const x = tc.randn([B, L, D], { seed: 0, device });
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < n + 3; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await tc.tidyAsync(async () => {
      const loss = block.forward(x).square().mean();
      loss.backward();
      await block.parameters()[0].grad!.data();
      block.zeroGrad();
    });
    if (i >= 3) {
      times.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000);
    }
  }
  return { wall: times, cpu };
}

/** Runs the PyTorch peer if python3-torch is importable; null (with the reason) otherwise. */
export function timeTorch(n: number): { median: number; cpu: number; version: string } | { missing: string } {
  const script = fileURLToPath(new URL('./block.py', import.meta.url));
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: '2', OMP_NUM_THREADS: '2', OMP_WAIT_POLICY: 'PASSIVE' };
  delete env.OPENBLAS_CORETYPE;
  const r = spawnSync('/usr/bin/python3', [script, String(n * 2)], { env, encoding: 'utf8' });
  if (r.status !== 0) return { missing: (r.stderr || r.error?.message || 'python3-torch not available').trim().split('\n').pop()! };
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { median_ms: number; median_cpu_ms: number; torch: string };
  return { median: out.median_ms, cpu: out.median_cpu_ms, version: out.torch };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const device = await tc.getDevice('cpu');
  const t = await timeOurs(device, runs);
  const ours = median(t.wall);
  const oursCpu = median(t.cpu);
  const gflop = flops() / 1e9;
  console.log(`transformer block fwd+bwd (${gflop.toFixed(2)} GFLOP), ${tc.describeDevice(device).summary}`);
  console.log(`  loraflow cpu : ${ours.toFixed(1)} ms wall, ${oursCpu.toFixed(1)} ms CPU  (${(gflop / (ours / 1000)).toFixed(1)} GFLOP/s)`);
  const torch = timeTorch(runs);
  if ('missing' in torch) console.log(`  pytorch      : not measured (${torch.missing})`);
  else {
    console.log(`  pytorch ${torch.version}: ${torch.median.toFixed(1)} ms wall, ${torch.cpu.toFixed(1)} ms CPU`);
    console.log(`  ours / pytorch speed: ${(torch.median / ours).toFixed(2)}x wall-clock, ${(torch.cpu / oursCpu).toFixed(2)}x per CPU-second (the load-independent figure)`);
  }
  const tfjs = runPeer(fileURLToPath(new URL('./peer-tfjs-wasm.ts', import.meta.url)), ['--runs', String(runs), '--threads', '2']);
  const tf = peerTiming(tfjs, 'block');
  if (!tf || !('peer' in tfjs)) console.log(`  tfjs-wasm    : not measured (${'error' in tfjs ? tfjs.error : 'no block timing'})`);
  else {
    console.log(`  ${tfjs.peer}: ${tf.medianMs.toFixed(1)} ms wall, ${tf.cpuMedianMs?.toFixed(1)} ms CPU (${tfjs.note})`);
    console.log(`  ours / ${tfjs.peer} speed: ${(tf.medianMs / ours).toFixed(2)}x wall-clock, ${((tf.cpuMedianMs ?? NaN) / oursCpu).toFixed(2)}x per CPU-second`);
  }
  const summary = summaryRow('transformer block fwd+bwd', `B${B} L${L} D${D} H${H} M${M}`, { label: 'ours cpu', ms: ours, cpuMs: oursCpu }, [
    'missing' in torch ? null : { label: `pytorch ${torch.version}`, ms: torch.median, cpuMs: torch.cpu },
    tf && 'peer' in tfjs ? { label: tfjs.peer, ms: tf.medianMs, cpuMs: tf.cpuMedianMs } : null,
  ]);
  const outDir = join(REPO_ROOT, 'bench-results');
  if (!existsSync(outDir)) mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `transformer-block-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const json = { benchmark: 'cpu-transformer-block', date: new Date().toISOString(), gflop, device: tc.describeDevice(device).summary, load: loadavg()[0], ours: t, torch, tfjs, summary: summary ? [summary] : [] };
  writeFileSync(`${file}.tmp`, `${JSON.stringify(json, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
  console.log(`  wrote ${file}`);
  process.exit(0);
}
