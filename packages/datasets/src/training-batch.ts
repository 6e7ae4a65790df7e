import { tensor, type Tensor } from '@loraflow/tensor-core';
import type { BucketAssignment, SizedItem } from './bucket-plan.js';
import { loadBucketImage } from './bucket-image.js';
import type { DatasetItem } from './dataset-folder.js';
import { DatasetError } from './dataset-error.js';
import { imageToChw } from './image-chw.js';
import { probeImage } from './image-probe.js';
import { option } from '@loraflow/tensor-core';
import { checkDatasetOptions } from './dataset-options.js';

/** Sizes and repeat counts of dataset items, read from the image headers (for assignBuckets / bucketBatches). */
export async function readItemSizes(items: readonly DatasetItem[]): Promise<SizedItem[]> {
  return Promise.all(items.map(async (item) => {
    const { width, height } = await probeImage(item.imagePath);
    return { width, height, repeats: item.repeats };
  }));
}

/** How a training batch is loaded. */
export interface TrainingBatchOptions {
  /** Centre crop, or a random crop position per image (default 'center'). */
  crop?: 'center' | 'random';
  /** Mirror each image left-right with probability 0.5 (kohya's flip_aug; fine for landscapes, not for text). */
  flip?: boolean;
  /** Uniform [0, 1) source for random crops and flips (e.g. a SeededRandom's next). */
  random?: () => number;
  /** Applied to each caption (dropout, tag shuffle); defaults to the caption unchanged ("" when missing). */
  caption?: (caption: string, item: DatasetItem) => string;
}

/** One batch ready for training: pixels [B, 3, H, W] in [-1, 1] and the captions in the same order. */
export interface TrainingBatch {
  readonly pixels: Tensor;
  readonly captions: string[];
  readonly paths: string[];
  readonly width: number;
  readonly height: number;
}

function mirror(data: Float32Array, channels: number, height: number, width: number): void {
  for (let c = 0; c < channels; c++) for (let y = 0; y < height; y++) {
    const row = (c * height + y) * width;
    for (let x = 0; x < width >> 1; x++) {
      const a = row + x, b = row + width - 1 - x, t = data[a];
      data[a] = data[b]; data[b] = t;
    }
  }
}

/** Loads one same-bucket batch (from bucketBatches) as a [B, 3, H, W] tensor with its captions. */
export async function loadTrainingBatch(items: readonly DatasetItem[], batch: readonly BucketAssignment[], options: TrainingBatchOptions = {}): Promise<TrainingBatch> {
  checkDatasetOptions('loadTrainingBatch', options, { crop: option.oneOf(['center', 'random']), flip: option.boolean, random: option.function, caption: option.function });
  if (batch.length === 0) throw new DatasetError('loadTrainingBatch: the batch is empty');
  const { width, height } = batch[0].bucket;
  if (batch.some((a) => a.bucket.width !== width || a.bucket.height !== height)) {
    throw new DatasetError(`loadTrainingBatch: batch mixes bucket sizes; expected all ${width}x${height}`);
  }
  const random = options.random ?? Math.random;
  const plane = 3 * width * height;
  const data = new Float32Array(batch.length * plane);
  const captions: string[] = [], paths: string[] = [];
  for (const [k, a] of batch.entries()) {
    const item = items[a.index];
    if (!item) throw new DatasetError(`loadTrainingBatch: assignment index ${a.index} is outside the ${items.length} items`);
    const crop = options.crop === 'random' ? { random: random() } : 'center';
    const chw = imageToChw(await loadBucketImage(item.imagePath, a.bucket, crop));
    if (options.flip && random() < 0.5) mirror(chw.data, 3, height, width);
    data.set(chw.data, k * plane);
    captions.push(options.caption ? options.caption(item.caption ?? '', item) : (item.caption ?? ''));
    paths.push(item.relativePath);
  }
  return { pixels: tensor(data, [batch.length, 3, height, width]), captions, paths, width, height };
}
