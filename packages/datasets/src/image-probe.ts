import { DatasetError } from './dataset-error.js';
import { loadSharp } from './sharp-loader.js';

/** An image file's pixel size (after EXIF orientation) and format, read without decoding the pixels. */
export interface ImageInfo {
  readonly width: number;
  readonly height: number;
  readonly format: string;
}

/** Reads an image file's size and format from its header (Node only, uses sharp). */
export async function probeImage(path: string): Promise<ImageInfo> {
  const sharp = await loadSharp();
  let bytes: Uint8Array;
  try {
    const { readFile } = await import('node:fs/promises');
    bytes = await readFile(path);
  } catch (error) {
    throw new DatasetError(`${path}: cannot read image file: ${(error as Error).message}`);
  }
  try {
    const meta = await sharp(bytes).metadata();
    if (!meta.width || !meta.height) throw new Error('no size in header');
    // EXIF orientations 5-8 rotate by 90 degrees, so the displayed size swaps.
    const swap = (meta.orientation ?? 1) >= 5;
    return { width: swap ? meta.height : meta.width, height: swap ? meta.width : meta.height, format: meta.format ?? 'unknown' };
  } catch (error) {
    throw new DatasetError(`${path}: not a readable image: ${(error as Error).message}`);
  }
}
