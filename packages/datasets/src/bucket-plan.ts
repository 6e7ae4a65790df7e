import { aspectBuckets, bucketKey, nearestBucket, type Bucket, type BucketOptions } from './aspect-buckets.js';
import { DatasetError } from './dataset-error.js';
import { SeededRandom, option } from '@loraflow/tensor-core';
import { checkDatasetOptions } from './dataset-options.js';

/** An image size plus how often it repeats per epoch. */
export interface SizedItem {
  readonly width: number;
  readonly height: number;
  readonly repeats?: number;
}

/** One image at one resolution, assigned to a bucket. */
export interface BucketAssignment {
  readonly index: number;
  readonly bucket: Bucket;
}

/** Assigns every item to its nearest-aspect bucket at each resolution (an image trains at every listed resolution, as in ai-toolkit). */
export function assignBuckets(items: readonly SizedItem[], resolutions: readonly number[], options: BucketOptions = {}): BucketAssignment[] {
  if (resolutions.length === 0) throw new DatasetError('assignBuckets: expected at least one resolution');
  const out: BucketAssignment[] = [];
  for (const resolution of resolutions) {
    const buckets = aspectBuckets(resolution, options);
    items.forEach((item, index) => out.push({ index, bucket: nearestBucket(buckets, item.width, item.height) }));
  }
  return out;
}

/** Count of assignments per bucket key, sorted by key. */
export function bucketHistogram(assignments: readonly BucketAssignment[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const a of assignments) counts[bucketKey(a.bucket)] = (counts[bucketKey(a.bucket)] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true })));
}

/** Options for forming one epoch's batches. */
export interface BatchOptions {
  batchSize: number;
  seed: number;
  epoch: number;
  /** Drop a bucket's last incomplete batch (default false: keep it smaller). */
  dropLast?: boolean;
}

/**
 * One epoch of batches: each assignment repeated by its item's repeat count, shuffled within its bucket,
 * cut into same-bucket batches, and the batch order shuffled; the same (seed, epoch) gives the same batches.
 */
export function bucketBatches(items: readonly SizedItem[], assignments: readonly BucketAssignment[], options: BatchOptions): BucketAssignment[][] {
  checkDatasetOptions('bucketBatches', options, { batchSize: option.integer({ min: 1 }), seed: option.integer(), epoch: option.integer({ min: 0 }), dropLast: option.boolean });
  const { batchSize, seed, epoch, dropLast = false } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new DatasetError(`batchSize ${batchSize}: expected a positive integer`);
  const rng = new SeededRandom((Math.imul(seed, 0x2545f491) ^ Math.imul(epoch + 1, 0x9e3779b1)) >>> 0);
  const groups = new Map<string, BucketAssignment[]>();
  for (const a of assignments) {
    const key = bucketKey(a.bucket);
    const list = groups.get(key) ?? [];
    for (let r = 0; r < (items[a.index].repeats ?? 1); r++) list.push(a);
    groups.set(key, list);
  }
  const batches: BucketAssignment[][] = [];
  for (const key of [...groups.keys()].sort()) {
    const list = rng.shuffle(groups.get(key)!);
    for (let i = 0; i < list.length; i += batchSize) {
      const batch = list.slice(i, i + batchSize);
      if (batch.length === batchSize || !dropLast) batches.push(batch);
    }
  }
  return rng.shuffle(batches);
}
