import { DatasetError } from './dataset-error.js';
import type { ImageCodec, ResizeKernel } from './image-codec.js';
import type { RasterImage } from './raster-image.js';
import { loadSharp } from './sharp-loader.js';

function rawInput(image: RasterImage) {
  return { raw: { width: image.width, height: image.height, channels: image.channels } } as const;
}

function fromBuffer(data: Buffer, info: { width: number; height: number; channels: number }): RasterImage {
  return {
    width: info.width,
    height: info.height,
    channels: info.channels as RasterImage['channels'],
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}

const KERNELS: Record<ResizeKernel, 'nearest' | 'linear' | 'cubic' | 'lanczos3'> = {
  nearest: 'nearest', linear: 'linear', cubic: 'cubic', lanczos3: 'lanczos3',
};

/** The Node codec, backed by sharp (libvips). */
export const nodeImageCodec: ImageCodec = {
  async decode(bytes, channels) {
    const sharp = await loadSharp();
    try {
      // rotate() applies the EXIF orientation so photos come out the way viewers show them.
      let pipeline = sharp(bytes, { failOn: 'error' }).rotate().toColourspace('srgb');
      pipeline = channels === 3 ? pipeline.removeAlpha() : pipeline.ensureAlpha();
      const { data, info } = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
      return fromBuffer(data, info);
    } catch (error) {
      throw new DatasetError(`cannot decode image (${bytes.length} bytes): ${(error as Error).message}`);
    }
  },
  async encodePng(image) {
    const sharp = await loadSharp();
    const out = await sharp(image.data, rawInput(image)).png({ compressionLevel: 6 }).toBuffer();
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  },
  async encodeJpeg(image, quality) {
    const sharp = await loadSharp();
    const out = await sharp(image.data, rawInput(image)).removeAlpha().jpeg({ quality }).toBuffer();
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  },
  async resize(image, width, height, kernel) {
    const sharp = await loadSharp();
    const { data, info } = await sharp(image.data, rawInput(image))
      .resize(width, height, { fit: 'fill', kernel: KERNELS[kernel] })
      .raw()
      .toBuffer({ resolveWithObject: true });
    return fromBuffer(data, info);
  },
};
