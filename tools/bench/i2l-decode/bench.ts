/**
 * Streaming decode of a real-size Qwen-Image-i2L Style file (2880 tensors, 2.41 B bf16 weights,
 * 4.81 GB): writes a synthetic file with DiffSynth's exact keys and shapes (deleted afterwards
 * unless --keep), measures this machine's memcpy bandwidth in Node, then decodes 1 and 3 images
 * in separate processes, reporting seconds, GB/s of weights read, CPU seconds and peak RSS.
 *   node --conditions=development --import tsx tools/bench/i2l-decode/bench.ts [--dir /tmp] [--keep] [--runs 2] [--file EXISTING]
 * --file reuses a synthetic file from an earlier --keep run (it is then never deleted).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { I2L_PRESETS, QWEN_IMAGE_I2L_TARGETS, writeSyntheticI2lFile } from '../../../packages/i2l-model/src/index.js';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const root = fileURLToPath(new URL('../../..', import.meta.url));
const work = mkdtempSync(join(arg('dir', '/tmp'), 'i2l-bench-'));
const keep = process.argv.includes('--keep');
const runs = Number(arg('runs', '2'));

/** Single-thread memcpy bandwidth (GB/s of bytes copied) over a 512 MiB buffer, best of 5. */
function memcpyBandwidth(): number {
  const size = 512 << 20;
  const src = new Uint8Array(size).fill(1);
  const dst = new Uint8Array(size);
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    dst.set(src);
    best = Math.min(best, performance.now() - t);
  }
  return size / 1e9 / (best / 1000);
}

const load0 = loadavg()[0];
const existing = process.argv.includes('--file') ? arg('file', '') : null;
const model = existing ?? join(work, 'qwen-image-i2l-style-synthetic.safetensors');
try {
  let t = performance.now();
  if (!existing) {
    const bytes = await writeSyntheticI2lFile(model, I2L_PRESETS.style, QWEN_IMAGE_I2L_TARGETS, { dtype: 'BF16' });
    console.log(`wrote ${model}: ${(statSync(model).size / 1e9).toFixed(2)} GB (${(bytes / 1e9).toFixed(2)} GB of weights) in ${((performance.now() - t) / 1000).toFixed(0)} s`);
  }
  const memcpy = memcpyBandwidth();
  console.log(`memcpy (Node TypedArray.set, 512 MiB, one thread): ${memcpy.toFixed(2)} GB/s`);
  const results = [];
  for (let r = 0; r < runs; r++) {
    for (const images of [1, 3]) {
      t = performance.now();
      const out = join(work, `lora-${images}.safetensors`);
      const p = spawnSync(process.execPath, ['--conditions=development', '--import', 'tsx', 'tools/bench/i2l-decode/run-decode.ts', model, out, String(images)], { cwd: root, encoding: 'utf8' });
      if (p.status !== 0) throw new Error(`run-decode exited with ${p.status}: ${p.stderr}`);
      const res = JSON.parse(p.stdout.trim().split('\n').pop()!);
      res.run = r;
      res.gbPerSecond = res.bytesRead / 1e9 / res.seconds;
      res.load = loadavg()[0];
      results.push(res);
      console.log(
        `run ${r}, ${images} image(s): ${res.seconds.toFixed(1)} s wall, ${res.cpuSeconds.toFixed(1)} s CPU, ${res.gbPerSecond.toFixed(2)} GB/s of weights ` +
          `(${((100 * res.gbPerSecond) / memcpy).toFixed(0)}% of memcpy), peak RSS ${(res.peakRssBytes / 2 ** 30).toFixed(2)} GiB, output rank ${res.rank}, 1-min load ${res.load.toFixed(1)}`,
      );
      rmSync(out, { force: true });
    }
  }
  const outDir = join(root, 'bench-results');
  if (!existsSync(outDir)) mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `i2l-decode-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const json = { benchmark: 'i2l-decode', date: new Date().toISOString(), cpu: cpus()[0]?.model, cores: availableParallelism(), node: process.version, loadStart: load0, loadEnd: loadavg()[0], fileBytes: statSync(model).size, memcpyGBps: memcpy, results };
  writeFileSync(`${file}.tmp`, `${JSON.stringify(json, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
  console.log(`wrote ${file}`);
} finally {
  if (!keep) rmSync(work, { recursive: true, force: true });
}
