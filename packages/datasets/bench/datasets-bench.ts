/**
 * Benchmarks for @loraflow/datasets: scene rendering per theme and size, PNG encode/decode and resize through
 * sharp, dataset check over a generated folder, and the colour-classifier accuracy on held-out seeds.
 * Usage: pnpm --filter @loraflow/datasets bench   (timings on a shared machine are noisy; the median of 5 is shown)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkDataset, classifyColors, decodeImage, encodePng, fitColorClassifier, generateSceneDataset, listSceneThemes, renderScene, resizeImage,
} from '../src/index.js';

async function median(runs: number, fn: () => unknown): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

const themes = listSceneThemes();
console.log('renderScene, ms per image (median of 5):');
console.log(`  ${'theme'.padEnd(16)} ${['128x128', '512x288', '1024x1024'].map((s) => s.padStart(10)).join('')}`);
for (const { id } of themes) {
  const cols: string[] = [];
  for (const [w, h] of [[128, 128], [512, 288], [1024, 1024]]) cols.push((await median(5, () => renderScene({ theme: id, seed: 1, width: w, height: h }))).toFixed(1).padStart(10));
  console.log(`  ${id.padEnd(16)} ${cols.join('')}`);
}

const big = renderScene({ theme: 'forest', seed: 2, width: 1024, height: 1024 }).image;
const png = await encodePng(big);
console.log(`\nsharp: encode 1024x1024 PNG ${(await median(5, () => encodePng(big))).toFixed(1)} ms (${(png.length / 1024).toFixed(0)} KiB), ` +
  `decode ${(await median(5, () => decodeImage(png))).toFixed(1)} ms, ` +
  `decode + lanczos3 resize to 256 ${(await median(5, async () => resizeImage(await decodeImage(png), 256, 256))).toFixed(1)} ms`);

const dir = await mkdtemp(join(tmpdir(), 'lf-bench-'));
try {
  const t0 = performance.now();
  await generateSceneDataset(dir, { count: 25, width: 512, height: 288 });
  const gen = performance.now() - t0;
  const t1 = performance.now();
  const report = await checkDataset(dir, { resolutions: [512, 768], step: 64 });
  const check = performance.now() - t1;
  console.log(`\ngenerate ${report.images} images at 512x288: ${(gen / report.images).toFixed(1)} ms/image (render + PNG + caption + sidecar)`);
  console.log(`dataset check of ${report.images} images: ${check.toFixed(0)} ms total, ${(check / report.images).toFixed(1)} ms/image; ${report.issues.length} issues (${report.warnings} near-duplicate warnings)`);
} finally {
  await rm(dir, { recursive: true, force: true });
}

for (const size of [32, 64, 128]) {
  const train = themes.flatMap(({ id }) => Array.from({ length: 10 }, (_, s) => ({ label: id, image: renderScene({ theme: id, seed: s, width: size, height: size }).image })));
  const classifier = fitColorClassifier(train);
  let right = 0, total = 0;
  const confusions = new Map<string, number>();
  for (const { id } of themes) for (let s = 1000; s < 1050; s++) {
    const { label } = classifyColors(classifier, renderScene({ theme: id, seed: s, width: Math.round(size * 1.5), height: size }).image);
    total++;
    if (label === id) right++;
    else confusions.set(`${id}->${label}`, (confusions.get(`${id}->${label}`) ?? 0) + 1);
  }
  console.log(`colour classifier at ${size}px (fit 10 seeds/theme, test 50 other seeds/theme at 3:2): ${right}/${total} = ${((100 * right) / total).toFixed(1)}%` +
    (confusions.size ? `; confusions ${[...confusions].map(([k, n]) => `${k} x${n}`).join(', ')}` : ''));
}
