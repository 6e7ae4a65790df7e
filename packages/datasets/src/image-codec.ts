import type { RasterImage } from './raster-image.js';

/** Resampling kernels the codecs accept; browsers map them onto canvas smoothing quality. */
export type ResizeKernel = 'nearest' | 'linear' | 'cubic' | 'lanczos3';

/** What a platform must provide to read, write and resample images. */
export interface ImageCodec {
  /** Decodes PNG, JPEG or WebP bytes into an 8-bit image with 3 (RGB) or 4 (RGBA) channels. */
  decode(bytes: Uint8Array, channels: 3 | 4): Promise<RasterImage>;
  /** Encodes an image as PNG bytes. */
  encodePng(image: RasterImage): Promise<Uint8Array>;
  /** Encodes an image as JPEG bytes (thumbnails in reports). */
  encodeJpeg(image: RasterImage, quality: number): Promise<Uint8Array>;
  /** Resamples an image to exactly width x height (Node keeps the channel count; browsers return RGB, or RGBA for RGBA input). */
  resize(image: RasterImage, width: number, height: number, kernel: ResizeKernel): Promise<RasterImage>;
}

let codec: Promise<ImageCodec> | undefined;

/** The codec for this runtime: sharp in Node, createImageBitmap/OffscreenCanvas elsewhere; both loaded lazily so bundles for browsers never pull in sharp. */
export function imageCodec(): Promise<ImageCodec> {
  codec ??= (typeof process !== 'undefined' && process.versions?.node !== undefined
    ? import('./image-codec-node.js').then((m) => m.nodeImageCodec)
    : import('./image-codec-browser.js').then((m) => m.browserImageCodec));
  return codec;
}
