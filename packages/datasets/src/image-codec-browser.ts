import { DatasetError } from './dataset-error.js';
import type { ImageCodec, ResizeKernel } from './image-codec.js';
import { withChannels, type RasterImage } from './raster-image.js';

function context(width: number, height: number): OffscreenCanvasRenderingContext2D {
  const ctx = new OffscreenCanvas(width, height).getContext('2d');
  if (!ctx) throw new DatasetError(`OffscreenCanvas ${width}x${height}: no 2d context available`);
  return ctx;
}

function toImageData(image: RasterImage): ImageData {
  const rgba = withChannels(image, 4);
  const pixels = new Uint8ClampedArray(rgba.data.length);
  pixels.set(rgba.data);
  return new ImageData(pixels, image.width, image.height);
}

function fromCanvas(ctx: OffscreenCanvasRenderingContext2D, width: number, height: number, channels: 3 | 4): RasterImage {
  const pixels = ctx.getImageData(0, 0, width, height).data;
  const rgba: RasterImage = { width, height, channels: 4, data: new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength) };
  return withChannels(rgba, channels);
}

async function encode(image: RasterImage, type: string, quality?: number): Promise<Uint8Array> {
  const ctx = context(image.width, image.height);
  ctx.putImageData(toImageData(image), 0, 0);
  const blob = await (ctx.canvas as OffscreenCanvas).convertToBlob({ type, quality });
  return new Uint8Array(await blob.arrayBuffer());
}

const QUALITY: Record<ResizeKernel, ResizeQuality> = { nearest: 'pixelated', linear: 'low', cubic: 'medium', lanczos3: 'high' };

/** The browser codec, backed by createImageBitmap and OffscreenCanvas. */
export const browserImageCodec: ImageCodec = {
  async decode(bytes, channels) {
    let bitmap: ImageBitmap;
    try {
      bitmap = await createImageBitmap(new Blob([bytes as BlobPart]), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
    } catch (error) {
      throw new DatasetError(`cannot decode image (${bytes.length} bytes): ${(error as Error).message}`);
    }
    const ctx = context(bitmap.width, bitmap.height);
    ctx.drawImage(bitmap, 0, 0);
    bitmap.close();
    return fromCanvas(ctx, ctx.canvas.width, ctx.canvas.height, channels);
  },
  encodePng: (image) => encode(image, 'image/png'),
  encodeJpeg: (image, quality) => encode(image, 'image/jpeg', quality / 100),
  async resize(image, width, height, kernel) {
    const bitmap = await createImageBitmap(toImageData(image), {
      resizeWidth: width, resizeHeight: height, resizeQuality: QUALITY[kernel], premultiplyAlpha: 'none',
    });
    const ctx = context(width, height);
    ctx.imageSmoothingEnabled = kernel !== 'nearest';
    ctx.drawImage(bitmap, 0, 0);
    bitmap.close();
    return fromCanvas(ctx, width, height, image.channels === 4 ? 4 : 3);
  },
};
