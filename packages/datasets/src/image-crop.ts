import { DatasetError } from './dataset-error.js';
import type { RasterImage } from './raster-image.js';

/** A pixel rectangle: left/top offsets and its size. */
export interface CropRect {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

/** Copies a rectangle out of an image (pure TypeScript, same result in Node and browsers). */
export function cropImage(image: RasterImage, rect: CropRect): RasterImage {
  const { left, top, width, height } = rect;
  if (![left, top, width, height].every(Number.isInteger) || left < 0 || top < 0 || width < 1 || height < 1
    || left + width > image.width || top + height > image.height) {
    throw new DatasetError(`crop ${width}x${height}+${left}+${top}: expected integers inside the ${image.width}x${image.height} image`);
  }
  const c = image.channels;
  const out = new Uint8Array(width * height * c);
  for (let y = 0; y < height; y++) {
    const from = ((top + y) * image.width + left) * c;
    out.set(image.data.subarray(from, from + width * c), y * width * c);
  }
  return { width, height, channels: c, data: out };
}
