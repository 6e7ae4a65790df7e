import { DatasetError } from './dataset-error.js';
import { option, withDefaults } from '@loraflow/tensor-core';
import { checkDatasetOptions } from './dataset-options.js';

/** A bucket: a training size whose area is close to resolution squared. */
export interface Bucket {
  readonly width: number;
  readonly height: number;
  /** The target resolution this bucket belongs to (e.g. 1024). */
  readonly resolution: number;
}

/** How buckets are generated for one target resolution. */
export interface BucketOptions {
  /** Every bucket side is a multiple of this (64 for most latent models; 32 works for some). */
  step?: number;
  /** Smallest and largest allowed side; defaults are resolution / 2 and resolution * 2, rounded to the step. */
  minSide?: number;
  maxSide?: number;
  /** Largest long/short side ratio (default 4). */
  maxAspect?: number;
}

const DEFAULTS = { step: 64, minSide: 0, maxSide: 0, maxAspect: 4 } satisfies Required<BucketOptions>;

/** Name of a bucket for histograms and logs: `832x1216@1024`. */
export function bucketKey(b: Bucket): string {
  return `${b.width}x${b.height}@${b.resolution}`;
}

/** All buckets for one resolution: for each width on the step grid, the tallest step-multiple height with area <= resolution^2. */
export function aspectBuckets(resolution: number, options: BucketOptions = {}): Bucket[] {
  checkDatasetOptions('aspectBuckets', options, { step: option.integer({ min: 1 }), minSide: option.integer({ min: 1 }), maxSide: option.integer({ min: 1 }), maxAspect: option.number({ min: 1 }) });
  const o = withDefaults(DEFAULTS, options);
  if (!Number.isInteger(o.step) || o.step < 1) throw new DatasetError(`bucket step ${o.step}: expected a positive integer`);
  if (!Number.isInteger(resolution) || resolution < o.step || resolution % o.step !== 0) {
    throw new DatasetError(`bucket resolution ${resolution}: expected a positive multiple of the step ${o.step}`);
  }
  const minSide = o.minSide || Math.max(o.step, Math.round(resolution / 2 / o.step) * o.step);
  const maxSide = o.maxSide || resolution * 2;
  const area = resolution * resolution;
  const seen = new Set<string>();
  const buckets: Bucket[] = [];
  for (let w = minSide; w <= maxSide; w += o.step) {
    const h = Math.min(maxSide, Math.floor(area / w / o.step) * o.step);
    if (h < minSide || Math.max(w / h, h / w) > o.maxAspect) continue;
    for (const [bw, bh] of [[w, h], [h, w]]) {
      const key = `${bw}x${bh}`;
      if (!seen.has(key)) { seen.add(key); buckets.push({ width: bw, height: bh, resolution }); }
    }
  }
  return buckets.sort((a, b) => a.width / a.height - b.width / b.height);
}

/** The bucket whose aspect ratio is closest (in log space) to width/height; ties go to the larger area. */
export function nearestBucket(buckets: readonly Bucket[], width: number, height: number): Bucket {
  if (buckets.length === 0) throw new DatasetError('nearestBucket: the bucket list is empty');
  if (!(width > 0 && height > 0)) throw new DatasetError(`nearestBucket: image size ${width}x${height}, expected positive sizes`);
  const target = Math.log(width / height);
  let best = buckets[0], bestErr = Infinity;
  for (const b of buckets) {
    const err = Math.abs(Math.log(b.width / b.height) - target);
    if (err < bestErr - 1e-12 || (Math.abs(err - bestErr) <= 1e-12 && b.width * b.height > best.width * best.height)) {
      best = b; bestErr = err;
    }
  }
  return best;
}

/** Where an image goes for training at one resolution, and how it is scaled and cropped to get there. */
export interface BucketPlacement {
  readonly bucket: Bucket;
  /** Size to resize the whole image to before cropping (covers the bucket, aspect preserved). */
  readonly resizeWidth: number;
  readonly resizeHeight: number;
  /** Crop of the resized image that becomes the training image. */
  readonly crop: { readonly left: number; readonly top: number; readonly width: number; readonly height: number };
}

/** Resize-then-crop plan that fills a bucket: scale so the image covers it, then crop the centre or at `random` in [0, 1). */
export function placeInBucket(width: number, height: number, bucket: Bucket, crop: 'center' | { random: number } = 'center'): BucketPlacement {
  const scale = Math.max(bucket.width / width, bucket.height / height);
  const resizeWidth = Math.max(bucket.width, Math.round(width * scale));
  const resizeHeight = Math.max(bucket.height, Math.round(height * scale));
  const spareX = resizeWidth - bucket.width, spareY = resizeHeight - bucket.height;
  const left = crop === 'center' ? Math.floor(spareX / 2) : Math.min(spareX, Math.floor(crop.random * (spareX + 1)));
  const top = crop === 'center' ? Math.floor(spareY / 2) : Math.min(spareY, Math.floor(crop.random * (spareY + 1)));
  return { bucket, resizeWidth, resizeHeight, crop: { left, top, width: bucket.width, height: bucket.height } };
}
