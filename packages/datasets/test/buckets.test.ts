import { describe, expect, it } from 'vitest';
import { aspectBuckets, assignBuckets, bucketBatches, bucketHistogram, bucketKey, nearestBucket, placeInBucket } from '@loraflow/datasets';

describe('aspect buckets', () => {
  for (const resolution of [1024, 1280]) {
    it(`buckets for ${resolution} have step-multiple sides, area near ${resolution}^2 and aspect at most 4`, () => {
      const buckets = aspectBuckets(resolution, { step: 64 });
      expect(buckets.length).toBeGreaterThan(10);
      expect(buckets).toContainEqual({ width: resolution, height: resolution, resolution });
      for (const b of buckets) {
        expect(b.width % 64).toBe(0);
        expect(b.height % 64).toBe(0);
        expect(b.width * b.height).toBeLessThanOrEqual(resolution * resolution);
        // Rounding the height down to the step loses less than one step row of the narrower side.
        expect(b.width * b.height).toBeGreaterThan(resolution * resolution - 64 * Math.max(b.width, b.height));
        expect(Math.max(b.width / b.height, b.height / b.width)).toBeLessThanOrEqual(4);
        expect(buckets).toContainEqual({ width: b.height, height: b.width, resolution });
      }
    });
  }

  it('supports a step of 32', () => {
    for (const b of aspectBuckets(512, { step: 32 })) expect([b.width % 32, b.height % 32]).toEqual([0, 0]);
  });

  it('puts a 16:9 image in 1344x768 at 1024 and a 9:16 image in 768x1344', () => {
    const buckets = aspectBuckets(1024);
    expect(nearestBucket(buckets, 1920, 1080)).toMatchObject({ width: 1344, height: 768 });
    expect(nearestBucket(buckets, 1080, 1920)).toMatchObject({ width: 768, height: 1344 });
    expect(nearestBucket(buckets, 3000, 3000)).toMatchObject({ width: 1024, height: 1024 });
  });

  it('picks the bucket with the smallest log-aspect error for random sizes', () => {
    const buckets = aspectBuckets(1280);
    let s = 12345;
    for (let k = 0; k < 200; k++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      const w = 200 + (s % 3000), h = 200 + ((s >>> 12) % 3000);
      const chosen = nearestBucket(buckets, w, h);
      const err = (b: { width: number; height: number }) => Math.abs(Math.log(b.width / b.height) - Math.log(w / h));
      for (const b of buckets) expect(err(chosen)).toBeLessThanOrEqual(err(b) + 1e-12);
    }
  });

  it('centre crop covers the bucket and trims equally from both sides', () => {
    const p = placeInBucket(1920, 1080, { width: 1344, height: 768, resolution: 1024 });
    const scale = Math.max(1344 / 1920, 768 / 1080);
    expect(p.resizeWidth).toBe(Math.round(1920 * scale));
    expect(p.resizeHeight).toBe(768);
    expect(p.crop).toEqual({ left: Math.floor((p.resizeWidth - 1344) / 2), top: 0, width: 1344, height: 768 });
  });

  it('random crop stays inside the resized image over the whole [0, 1) range', () => {
    for (const r of [0, 0.25, 0.5, 0.999999]) {
      const p = placeInBucket(1000, 3000, { width: 640, height: 1536, resolution: 1024 }, { random: r });
      expect(p.crop.top + p.crop.height).toBeLessThanOrEqual(p.resizeHeight);
      expect(p.crop.left + p.crop.width).toBeLessThanOrEqual(p.resizeWidth);
      expect(p.crop.top).toBe(Math.floor(r * (p.resizeHeight - 1536 + 1)));
    }
  });
});

describe('bucket batches', () => {
  const items = [
    { width: 1024, height: 1024, repeats: 2 }, { width: 1920, height: 1080 }, { width: 1080, height: 1920, repeats: 3 },
    { width: 2000, height: 2000 }, { width: 1280, height: 720 }, { width: 900, height: 1600 }, { width: 1500, height: 1500 },
  ];
  const assignments = assignBuckets(items, [1024, 1280]);

  it('assigns each image once per resolution and counts buckets', () => {
    expect(assignments).toHaveLength(items.length * 2);
    const hist = bucketHistogram(assignments);
    expect(hist['1024x1024@1024']).toBe(3);
    expect(hist['1280x1280@1280']).toBe(3);
    expect(Object.values(hist).reduce((a, b) => a + b, 0)).toBe(14);
  });

  it('batches hold one bucket each and every image appears repeats times per resolution', () => {
    const batches = bucketBatches(items, assignments, { batchSize: 2, seed: 7, epoch: 0 });
    const seen = new Map<number, number>();
    for (const batch of batches) {
      expect(new Set(batch.map((a) => bucketKey(a.bucket))).size).toBe(1);
      expect(batch.length).toBeLessThanOrEqual(2);
      for (const a of batch) seen.set(a.index, (seen.get(a.index) ?? 0) + 1);
    }
    items.forEach((item, i) => expect(seen.get(i)).toBe(2 * (item.repeats ?? 1)));
  });

  it('is deterministic for a seed and epoch and reshuffles across epochs', () => {
    const key = (e: number, seed = 7) => JSON.stringify(bucketBatches(items, assignments, { batchSize: 2, seed, epoch: e }).map((b) => b.map((a) => `${a.index}@${bucketKey(a.bucket)}`)));
    expect(key(0)).toBe(key(0));
    expect(key(1)).not.toBe(key(0));
    expect(key(0, 8)).not.toBe(key(0));
  });

  it('drops incomplete batches only when asked', () => {
    const all = bucketBatches(items, assignments, { batchSize: 4, seed: 1, epoch: 0 });
    const full = bucketBatches(items, assignments, { batchSize: 4, seed: 1, epoch: 0, dropLast: true });
    expect(full.every((b) => b.length === 4)).toBe(true);
    expect(all.some((b) => b.length < 4)).toBe(true);
  });
});
