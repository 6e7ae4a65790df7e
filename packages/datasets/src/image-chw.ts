import { DatasetError } from './dataset-error.js';
import type { RasterImage } from './raster-image.js';

/** A channels-first float image: `data[c*height*width + y*width + x]`, values in [-1, 1]. */
export interface ChwImage {
  readonly data: Float32Array;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
}

/** Converts 8-bit interleaved pixels to CHW floats in [-1, 1] (the models' input range); alpha is dropped unless `keepAlpha`. */
export function imageToChw(image: RasterImage, keepAlpha = false): ChwImage {
  const { width, height } = image;
  const src = image.channels;
  const channels = src >= 3 ? (keepAlpha && src === 4 ? 4 : 3) : 1;
  const plane = width * height;
  const data = new Float32Array(channels * plane);
  for (let c = 0; c < channels; c++) {
    for (let i = 0; i < plane; i++) data[c * plane + i] = image.data[i * src + c] / 127.5 - 1;
  }
  return { data, channels, height, width };
}

/** Converts CHW floats in [-1, 1] back to 8-bit interleaved pixels, clamping and rounding. */
export function chwToImage(chw: ChwImage): RasterImage {
  const { channels, height, width, data } = chw;
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw new DatasetError(`CHW image with ${channels} channels: expected 1, 3 or 4`);
  }
  const plane = width * height;
  if (data.length !== channels * plane) {
    throw new DatasetError(`CHW image ${channels}x${height}x${width}: data holds ${data.length} values, expected ${channels * plane}`);
  }
  const out = new Uint8Array(channels * plane);
  for (let c = 0; c < channels; c++) {
    for (let i = 0; i < plane; i++) {
      const v = Math.round((data[c * plane + i] + 1) * 127.5);
      out[i * channels + c] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return { width, height, channels: channels as 1 | 3 | 4, data: out };
}
