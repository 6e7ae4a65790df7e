import { DatasetError } from './dataset-error.js';

/** An 8-bit image: `channels` interleaved values per pixel, rows top to bottom. */
export interface RasterImage {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 2 | 3 | 4;
  readonly data: Uint8Array;
}

/** Wraps pixel bytes as a RasterImage after checking that the buffer length matches the shape. */
export function rasterImage(data: Uint8Array, width: number, height: number, channels: RasterImage['channels']): RasterImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new DatasetError(`image size ${width}x${height}: expected positive integers`);
  }
  if (data.length !== width * height * channels) {
    throw new DatasetError(`image ${width}x${height}x${channels}: buffer holds ${data.length} bytes, expected ${width * height * channels}`);
  }
  return { width, height, channels, data };
}

/** Returns the image with exactly `channels` channels (grey is repeated, alpha dropped or set opaque). */
export function withChannels(image: RasterImage, channels: 3 | 4): RasterImage {
  if (image.channels === channels) return image;
  const n = image.width * image.height;
  const out = new Uint8Array(n * channels);
  const src = image.data;
  const c = image.channels;
  for (let i = 0; i < n; i++) {
    const s = i * c;
    const d = i * channels;
    if (c >= 3) {
      out[d] = src[s]; out[d + 1] = src[s + 1]; out[d + 2] = src[s + 2];
    } else {
      out[d] = out[d + 1] = out[d + 2] = src[s];
    }
    if (channels === 4) out[d + 3] = c === 4 ? src[s + 3] : c === 2 ? src[s + 1] : 255;
  }
  return { width: image.width, height: image.height, channels, data: out };
}
