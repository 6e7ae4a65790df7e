import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkDataset, renderScene, writePng, type RasterImage } from '@loraflow/datasets';

function brighten(image: RasterImage, delta: number): RasterImage {
  return { ...image, data: Uint8Array.from(image.data, (v) => Math.min(255, v + delta)) };
}

async function fixture(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'lf-check-'));
  const scene = (theme: string, seed: number) => renderScene({ theme, seed, width: 160, height: 96 }).image;
  const trigger = 'mybg, a 2D side scrolling background';
  await writePng(join(root, 'good.png'), scene('desert', 1));
  await writeFile(join(root, 'good.txt'), `${trigger}, dunes`);
  await writePng(join(root, 'copy.png'), brighten(scene('desert', 1), 3));
  await writeFile(join(root, 'copy.txt'), `${trigger}, dunes again`);
  await writePng(join(root, 'nocaption.png'), scene('forest', 2));
  await writePng(join(root, 'empty.png'), scene('night-city', 3));
  await writeFile(join(root, 'empty.txt'), '  \n');
  await writePng(join(root, 'notrigger.png'), scene('underwater', 4));
  await writeFile(join(root, 'notrigger.txt'), 'an underwater scene');
  await writePng(join(root, 'tiny.png'), renderScene({ theme: 'volcanic', seed: 5, width: 16, height: 12 }).image);
  await writeFile(join(root, 'tiny.txt'), `${trigger}, small`);
  await writeFile(join(root, 'broken.png'), Uint8Array.from([137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0]));
  await writeFile(join(root, 'broken.txt'), `${trigger}, broken`);
  return root;
}

describe('checkDataset', () => {
  it('reports each kind of problem on the right file', async () => {
    const report = await checkDataset(await fixture(), { trigger: 'mybg', resolutions: [128], step: 32 });
    const found = report.issues.map((i) => `${i.kind}:${i.path}`).sort();
    expect(found).toEqual([
      'empty-caption:empty.png', 'missing-caption:nocaption.png', 'missing-trigger:notrigger.png',
      'near-duplicate:good.png', 'tiny:tiny.png', 'unreadable:broken.png',
    ]);
    expect(report.images).toBe(7);
    expect(report.readable).toBe(6);
    expect(report.errors).toBe(5);
    expect(report.warnings).toBe(1);
  });

  it('builds the bucket histogram from readable images', async () => {
    const report = await checkDataset(await fixture(), { resolutions: [128, 256], step: 32 });
    expect(Object.values(report.histogram).reduce((a, b) => a + b, 0)).toBe(12);
    // 160x96 (5:3) lands in 160x96@128 (area 15360 <= 16384) and 320x192@256. The 16x12 (4:3) image joins
    // them at 128, where 5:3 is nearer in log-aspect (0.22) than 1:1 (0.29), but has 288x224 (9:7) at 256.
    expect(report.histogram['160x96@128']).toBe(6);
    expect(report.histogram['320x192@256']).toBe(5);
    expect(report.histogram['288x224@256']).toBe(1);
  });

  it('has no errors on a clean generated folder', async () => {
    const root = await mkdtemp(join(tmpdir(), 'lf-check-clean-'));
    for (const [i, theme] of ['desert', 'forest', 'snowy-mountains'].entries()) {
      await writePng(join(root, `${i}.png`), renderScene({ theme, seed: i, width: 128, height: 128 }).image);
      await writeFile(join(root, `${i}.txt`), i === 2 ? `[trigger], ${theme}` : `trig, ${theme}`);
    }
    const report = await checkDataset(root, { trigger: 'TRIG', resolutions: [128] });
    expect(report.issues).toEqual([]);
    expect(report.histogram).toEqual({ '128x128@128': 3 });
  });

  it('fails on a folder without images', async () => {
    const root = await mkdtemp(join(tmpdir(), 'lf-check-empty-'));
    await writeFile(join(root, 'notes.txt'), 'captions without images');
    const report = await checkDataset(root);
    expect(report.errors).toBe(1);
    expect(report.issues).toEqual([{ kind: 'empty', severity: 'error', path: '.', message: 'no images found (expected .png, .jpg, .jpeg, .webp files with captions)' }]);
  });

  it('lists images in formats it does not read (GIF, TIFF) with a warning each', async () => {
    const root = await mkdtemp(join(tmpdir(), 'lf-check-skip-'));
    await writePng(join(root, 'a.png'), renderScene({ theme: 'desert', seed: 1, width: 128, height: 128 }).image);
    await writeFile(join(root, 'a.txt'), 'desert');
    await mkdir(join(root, 'old'));
    await writeFile(join(root, 'old', 'b.gif'), 'GIF89a');
    await writeFile(join(root, 'c.TIFF'), 'II*');
    const skipped: string[][] = [];
    const report = await checkDataset(root, { resolutions: [128], onSkipped: (p) => skipped.push(p) });
    expect(skipped).toEqual([['c.TIFF', 'old/b.gif']]);
    expect(report.errors).toBe(0);
    expect(report.issues.map((i) => [i.kind, i.severity, i.path, i.message])).toEqual([
      ['skipped-format', 'warning', 'c.TIFF', 'not read: TIFF is not a supported format (use .png, .jpg, .jpeg, .webp)'],
      ['skipped-format', 'warning', 'old/b.gif', 'not read: GIF is not a supported format (use .png, .jpg, .jpeg, .webp)'],
    ]);
  });
});

describe('dataset functions check their options and name the bad one', () => {
  it('refuses unknown options, wrong types and out-of-range values before touching the folder', async () => {
    const { loadDatasetFolder, generateSceneDataset, imageGrid, bucketBatches, aspectBuckets, DatasetError } = await import('@loraflow/datasets');
    await expect(checkDataset('/nonexistent', { resolution: [512] } as never)).rejects.toThrow(/^checkDataset: unknown option "resolution"; expected one of .*resolutions/);
    await expect(checkDataset('/nonexistent', { duplicateDistance: 65 })).rejects.toThrow('checkDataset: option "duplicateDistance" is 65, expected an integer >= 0 <= 64');
    await expect(loadDatasetFolder('/nonexistent', '.caption' as never)).rejects.toThrow(DatasetError);
    await expect(generateSceneDataset('/nonexistent', { count: 0 })).rejects.toThrow('generateSceneDataset: option "count" is 0, expected an integer >= 1');
    await expect(imageGrid([], { cellWidth: '64' as never })).rejects.toThrow('imageGrid: option "cellWidth" is "64", expected an integer >= 1');
    expect(() => bucketBatches([], [], { batchSize: 2, seed: 0, epoch: -1 })).toThrow('bucketBatches: option "epoch" is -1, expected an integer >= 0');
    expect(() => aspectBuckets(512, { maxAspect: 0.5 })).toThrow('aspectBuckets: option "maxAspect" is 0.5, expected a number >= 1');
  });
});
