import { DatasetError } from './dataset-error.js';
import { checkDatasetOptions } from './dataset-options.js';
import { imageCodec, type ResizeKernel } from './image-codec.js';
import type { RasterImage } from './raster-image.js';
import { option, writeFileAtomic } from '@loraflow/tensor-core';

/** File extensions read as images (PNG, JPEG, WebP). */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp'] as const;

/** Options for decoding. */
export interface DecodeOptions {
  /** 3 drops alpha, 4 keeps it (adding an opaque one when missing). */
  channels?: 3 | 4;
}

const DECODE_RULES = { channels: option.oneOf([3, 4]) };

/** Decodes PNG, JPEG or WebP bytes into an 8-bit RGB (default) or RGBA image. */
export async function decodeImage(bytes: Uint8Array, options: DecodeOptions = {}): Promise<RasterImage> {
  checkDatasetOptions('decodeImage', options, DECODE_RULES);
  return (await imageCodec()).decode(bytes, options.channels ?? 3);
}

/** Encodes an image as PNG bytes. */
export async function encodePng(image: RasterImage): Promise<Uint8Array> {
  return (await imageCodec()).encodePng(image);
}

/** Encodes an image as JPEG bytes at quality 1-100. */
export async function encodeJpeg(image: RasterImage, quality = 85): Promise<Uint8Array> {
  return (await imageCodec()).encodeJpeg(image, quality);
}

/** Resamples an image to exactly width x height (no aspect preservation; crop first for that). */
export async function resizeImage(image: RasterImage, width: number, height: number, kernel: ResizeKernel = 'lanczos3'): Promise<RasterImage> {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new DatasetError(`resize to ${width}x${height}: expected positive integer sizes`);
  }
  if (width === image.width && height === image.height) return image;
  return (await imageCodec()).resize(image, width, height, kernel);
}

/** Reads and decodes an image file (Node only; node:fs is loaded on first call so browser bundles work). */
export async function readImage(path: string, options: DecodeOptions = {}): Promise<RasterImage> {
  checkDatasetOptions('readImage', options, DECODE_RULES);
  let bytes: Uint8Array;
  try {
    const { readFile } = await import('node:fs/promises');
    bytes = await readFile(path);
  } catch (error) {
    throw new DatasetError(`${path}: cannot read image file: ${(error as Error).message}`);
  }
  try {
    return await decodeImage(bytes, options);
  } catch (error) {
    throw new DatasetError(`${path}: ${(error as Error).message}`);
  }
}

/** Encodes an image as PNG and writes it atomically (Node only). */
export async function writePng(path: string, image: RasterImage): Promise<void> {
  await writeFileAtomic(path, await encodePng(image));
}
