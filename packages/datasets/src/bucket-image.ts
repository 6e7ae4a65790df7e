import { placeInBucket, type Bucket } from './aspect-buckets.js';
import { cropImage } from './image-crop.js';
import { readImage, resizeImage } from './image-io.js';
import type { RasterImage } from './raster-image.js';

/** Reads an image and fits it to a bucket: aspect-preserving resize to cover it, then a centre or random crop (random in [0, 1)). */
export async function loadBucketImage(path: string, bucket: Bucket, crop: 'center' | { random: number } = 'center'): Promise<RasterImage> {
  const image = await readImage(path);
  const plan = placeInBucket(image.width, image.height, bucket, crop);
  const resized = await resizeImage(image, plan.resizeWidth, plan.resizeHeight, 'lanczos3');
  return cropImage(resized, plan.crop);
}
