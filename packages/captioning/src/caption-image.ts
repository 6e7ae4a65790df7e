import { decodeImage, encodeJpeg, resizeImage } from '@loraflow/datasets';
import { CaptioningError } from './captioning-error.js';
import type { CaptionImage } from './captioner.js';

/** The MIME type from an image's magic bytes, or undefined for formats the APIs do not take. */
export function sniffImageType(bytes: Uint8Array): CaptionImage['mimeType'] | undefined {
  if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'image/png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (String.fromCharCode(...bytes.subarray(0, 4)) === 'RIFF' && String.fromCharCode(...bytes.subarray(8, 12)) === 'WEBP') return 'image/webp';
  return undefined;
}

/**
 * Reads an image for a captioner. Files within `maxSide` pixels go as they are; larger ones (or ones the APIs
 * cannot read) are decoded, shrunk to fit `maxSide` and sent as JPEG, since the models resample anyway and
 * uploads stay small.
 */
export async function loadCaptionImage(file: string, path: string, maxSide = 1024): Promise<CaptionImage> {
  let bytes: Uint8Array;
  try {
    const { readFile } = await import('node:fs/promises');
    bytes = await readFile(file);
  } catch (error) {
    throw new CaptioningError(`${path}: cannot read image: ${(error as Error).message}`);
  }
  let image;
  try {
    image = await decodeImage(bytes);
  } catch (error) {
    throw new CaptioningError(`${path}: ${(error as Error).message}`);
  }
  const mimeType = sniffImageType(bytes);
  const longest = Math.max(image.width, image.height);
  if (mimeType && (maxSide <= 0 || longest <= maxSide)) return { bytes, mimeType, path, file };
  const scale = maxSide > 0 ? Math.min(1, maxSide / longest) : 1;
  const small = await resizeImage(image, Math.max(1, Math.round(image.width * scale)), Math.max(1, Math.round(image.height * scale)), 'lanczos3');
  return { bytes: await encodeJpeg(small, 90), mimeType: 'image/jpeg', path, file };
}
