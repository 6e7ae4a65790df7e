import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  assignBuckets, bucketBatches, cropImage, loadDatasetFolder, loadTrainingBatch, readItemSizes, renderScene, resizeImage, SeededRandom, writePng,
} from '@loraflow/datasets';

async function folder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lf-batch-'));
  const sizes: [string, number, number][] = [['a', 200, 100], ['b', 190, 100], ['c', 100, 100], ['d', 210, 110]];
  for (const [name, w, h] of sizes) {
    await writePng(join(dir, `${name}.png`), renderScene({ theme: 'desert', seed: name.charCodeAt(0), width: w, height: h }).image);
    await writeFile(join(dir, `${name}.txt`), `caption ${name}`);
  }
  return dir;
}

describe('training batches', () => {
  it('reads sizes, buckets and loads same-bucket batches as [B, 3, H, W] with captions', async () => {
    const items = await loadDatasetFolder(await folder());
    const sizes = await readItemSizes(items);
    expect(sizes.map((s) => [s.width, s.height])).toEqual([[200, 100], [190, 100], [100, 100], [210, 110]]);
    const batches = bucketBatches(sizes, assignBuckets(sizes, [128], { step: 32 }), { batchSize: 8, seed: 1, epoch: 0 });
    const wide = batches.find((b) => b.length === 3)!;
    const loaded = await loadTrainingBatch(items, wide, { caption: (c) => c.toUpperCase() });
    expect(loaded.pixels.shape).toEqual([3, 3, loaded.height, loaded.width]);
    expect([loaded.width, loaded.height]).toEqual([wide[0].bucket.width, wide[0].bucket.height]);
    expect(loaded.captions).toEqual(wide.map((a) => `CAPTION ${items[a.index].relativePath[0].toUpperCase()}`));
    const values = (await loaded.pixels.data()) as Float32Array;
    expect(values.every((v) => v >= -1 && v <= 1)).toBe(true);
    expect(values.some((v) => v !== values[0])).toBe(true);
    loaded.pixels.dispose();
  });

  it('centre crop matches resizing then cropping by hand, and flip mirrors rows', async () => {
    const items = await loadDatasetFolder(await folder());
    const a = items.findIndex((i) => i.relativePath === 'a.png');
    const bucket = { width: 160, height: 96, resolution: 128 };
    const plain = await loadTrainingBatch(items, [{ index: a, bucket }]);
    const src = renderScene({ theme: 'desert', seed: 'a'.charCodeAt(0), width: 200, height: 100 }).image;
    // Cover 160x96: scale max(0.8, 0.96) = 0.96 -> 192x96, crop 16 px from the left.
    const expected = cropImage(await resizeImage(src, 192, 96, 'lanczos3'), { left: 16, top: 0, width: 160, height: 96 });
    const got = (await plain.pixels.data()) as Float32Array;
    let maxErr = 0;
    for (let c = 0; c < 3; c++) for (let i = 0; i < 160 * 96; i++) maxErr = Math.max(maxErr, Math.abs(got[c * 160 * 96 + i] - (expected.data[i * 3 + c] / 127.5 - 1)));
    expect(maxErr).toBeLessThan(1e-6);
    const flipped = await loadTrainingBatch(items, [{ index: a, bucket }], { flip: true, random: () => 0.1 });
    const f = (await flipped.pixels.data()) as Float32Array;
    for (const [y, x] of [[0, 0], [40, 7], [95, 159]]) expect(f[y * 160 + x]).toBe(got[y * 160 + 159 - x]);
    plain.pixels.dispose();
    flipped.pixels.dispose();
  });

  it('random crops stay deterministic for a seeded source', async () => {
    const items = await loadDatasetFolder(await folder());
    const bucket = { width: 96, height: 96, resolution: 96 };
    const load = async (seed: number) => {
      const rng = new SeededRandom(seed);
      const b = await loadTrainingBatch(items, [{ index: 0, bucket }], { crop: 'random', random: () => rng.next() });
      const v = Array.from((await b.pixels.data()) as Float32Array);
      b.pixels.dispose();
      return v;
    };
    expect(await load(5)).toEqual(await load(5));
    expect(await load(5)).not.toEqual(await load(6));
  });

  it('rejects a batch that mixes bucket sizes', async () => {
    const items = await loadDatasetFolder(await folder());
    await expect(loadTrainingBatch(items, [{ index: 0, bucket: { width: 64, height: 64, resolution: 64 } }, { index: 1, bucket: { width: 96, height: 64, resolution: 64 } }]))
      .rejects.toThrow(/mixes bucket sizes/);
  });
});
