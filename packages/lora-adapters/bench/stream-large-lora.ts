/**
 * Streaming benchmark: writes a full rank-64 Qwen-Image LoRA in bf16 (60 blocks, 846 layers,
 * ~1.2 GB), then converts it kohya -> PEFT, scales it and inspects it, each in a child process so
 * its peak RSS is measured on its own. Memory must stay far below the file size.
 *
 *   pnpm --filter @loraflow/lora-adapters bench            (or: node --conditions=development --import tsx bench/stream-large-lora.ts)
 *   RANK=16 BENCH_DIR=/tmp/x node ... bench/stream-large-lora.ts
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LoraFileWriter, convertLoraFile, inspectLoraFile, qwenImageLinearShapes, scaleLoraFile } from '../src/index.js';

const rank = Number(process.env.RANK ?? 64);
const self = fileURLToPath(import.meta.url);

/** bf16 bits of small pseudo-random values (a cheap LCG: the bench measures I/O and memory, not RNG). */
function randomBf16(n: number, seed: number): Uint8Array {
  const bits = new Uint16Array(n);
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    f[0] = ((s >>> 8) / 16777216 - 0.5) * 0.02;
    bits[i] = u[0] >>> 16;
  }
  return new Uint8Array(bits.buffer);
}

async function generate(path: string): Promise<void> {
  const w = await LoraFileWriter.create(path, { format: 'kohya' });
  let seed = 1;
  for (const m of qwenImageLinearShapes()) {
    await w.write({
      module: m.module, kind: 'linear', kernel: [1, 1], rank, alpha: rank / 2,
      down: { dtype: 'BF16', shape: [rank, m.inFeatures], bytes: randomBf16(rank * m.inFeatures, seed++) },
      up: { dtype: 'BF16', shape: [m.outFeatures, rank], bytes: randomBf16(m.outFeatures * rank, seed++) },
    });
  }
  await w.commit();
}

async function child(op: string, a: string, b: string): Promise<void> {
  if (op === 'generate') await generate(a);
  else if (op === 'convert') await convertLoraFile(a, b, { to: 'peft' });
  else if (op === 'scale') await scaleLoraFile(a, b, 0.8);
  else if (op === 'inspect') await inspectLoraFile(a);
  const ru = process.resourceUsage();
  process.stdout.write(JSON.stringify({ maxRssMiB: ru.maxRSS / 1024, cpuSeconds: (ru.userCPUTime + ru.systemCPUTime) / 1e6 }));
}

function measure(op: string, a: string, b = ''): { seconds: number; maxRssMiB: number; cpuSeconds: number } {
  const t = performance.now();
  const out = execFileSync(process.execPath, [...process.execArgv, self, op, a, b], { encoding: 'utf8' });
  return { seconds: (performance.now() - t) / 1000, ...JSON.parse(out) };
}

if (process.argv[2]) {
  await child(process.argv[2], process.argv[3], process.argv[4]);
} else {
  const dir = process.env.BENCH_DIR ?? mkdtempSync(join(tmpdir(), 'lora-bench-'));
  const kohya = join(dir, 'qwen-image-r64-kohya.safetensors');
  const peft = join(dir, 'qwen-image-r64-peft.safetensors');
  const scaled = join(dir, 'qwen-image-r64-scaled.safetensors');
  try {
    const gen = measure('generate', kohya);
    const size = statSync(kohya).size;
    console.log(`rank ${rank}, 846 layers, bf16: ${(size / 2 ** 30).toFixed(2)} GiB (${size} bytes)`);
    console.log(`generate (stream write):   ${gen.seconds.toFixed(1)} s wall, ${gen.cpuSeconds.toFixed(1)} s CPU, peak RSS ${gen.maxRssMiB.toFixed(0)} MiB`);
    for (const [op, out] of [['convert', peft], ['scale', scaled], ['inspect', '']] as const) {
      const r = measure(op, kohya, out);
      console.log(`${(op === 'convert' ? 'convert kohya -> peft' : op).padEnd(26)} ${r.seconds.toFixed(1)} s wall, ${r.cpuSeconds.toFixed(1)} s CPU, peak RSS ${r.maxRssMiB.toFixed(0)} MiB${op !== 'inspect' ? `, ${(size / 2 ** 20 / r.seconds).toFixed(0)} MiB/s` : ''}`);
    }
  } finally {
    if (!process.env.BENCH_DIR) rmSync(dir, { recursive: true, force: true });
  }
}
