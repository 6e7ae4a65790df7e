import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { chwToImage, cropImage, DatasetError, decodeImage, encodePng, fitSceneThemeClassifier, imageToChw, imageToTensor, readImage, resizeImage, tensorToImage } from '@loraflow/datasets';
import { handmadePng, randomBytes } from './png-fixture.js';

describe('decode', () => {
  it('decodes a hand-built RGB PNG to exactly its pixel values', async () => {
    const pixels = randomBytes(7 * 5 * 3, 1);
    const image = await decodeImage(handmadePng(7, 5, 3, pixels));
    expect([image.width, image.height, image.channels]).toEqual([7, 5, 3]);
    expect(Array.from(image.data)).toEqual(Array.from(pixels));
  });

  it('keeps alpha with channels 4 and drops it with channels 3', async () => {
    const pixels = randomBytes(4 * 3 * 4, 2, 1, 254);
    const png = handmadePng(4, 3, 4, pixels);
    const rgba = await decodeImage(png, { channels: 4 });
    expect(Array.from(rgba.data)).toEqual(Array.from(pixels));
    const rgb = await decodeImage(png);
    expect(rgb.channels).toBe(3);
    expect(Array.from(rgb.data)).toEqual(Array.from(pixels).filter((_, i) => i % 4 !== 3));
  });

  it('decodes lossless WebP exactly and JPEG within compression error', async () => {
    const w = 16, h = 12;
    const smooth = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) smooth.set([40 + x * 8, 60 + y * 10, 200 - x * 5], (y * w + x) * 3);
    const raw = { raw: { width: w, height: h, channels: 3 as const } };
    const webp = await sharp(smooth, raw).webp({ lossless: true }).toBuffer();
    expect(Array.from((await decodeImage(webp)).data)).toEqual(Array.from(smooth));
    const jpeg = await sharp(smooth, raw).jpeg({ quality: 95, chromaSubsampling: '4:4:4' }).toBuffer();
    const decoded = await decodeImage(jpeg);
    const maxErr = Math.max(...Array.from(decoded.data, (v, i) => Math.abs(v - smooth[i])));
    expect(maxErr).toBeLessThanOrEqual(12);
  });

  it('names the problem when the bytes are not an image', async () => {
    await expect(decodeImage(new Uint8Array([1, 2, 3, 4]))).rejects.toThrow(/cannot decode image \(4 bytes\)/);
  });

  it('round-trips through its own PNG encoder', async () => {
    const pixels = randomBytes(9 * 6 * 3, 3);
    const png = await encodePng({ width: 9, height: 6, channels: 3, data: pixels });
    expect(Array.from((await decodeImage(png)).data)).toEqual(Array.from(pixels));
  });
});

describe('resize and crop', () => {
  it('nearest upscaling by 2 repeats every pixel into a 2x2 block', async () => {
    const pixels = randomBytes(3 * 2 * 3, 4);
    const big = await resizeImage({ width: 3, height: 2, channels: 3, data: pixels }, 6, 4, 'nearest');
    for (let y = 0; y < 4; y++) {
      for (let x = 0; x < 6; x++) {
        const src = ((y >> 1) * 3 + (x >> 1)) * 3;
        expect(Array.from(big.data.subarray((y * 6 + x) * 3, (y * 6 + x) * 3 + 3))).toEqual(Array.from(pixels.subarray(src, src + 3)));
      }
    }
  });

  it('linear downscaling of a linear ramp gives the ramp at the new pixel centres', async () => {
    const w = 64, h = 8;
    const ramp = (x: number) => 20 + x * 3;
    const pixels = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) pixels.fill(ramp(x), (y * w + x) * 3, (y * w + x) * 3 + 3);
    const small = await resizeImage({ width: w, height: h, channels: 3, data: pixels }, 16, 2, 'linear');
    // Interior pixels only: near the edges the filter window is clamped and the ramp bends.
    for (let x = 2; x < 14; x++) {
      const centre = (x + 0.5) * 4 - 0.5;
      expect(Math.abs(small.data[x * 3] - ramp(centre))).toBeLessThanOrEqual(1.5);
    }
  });

  it('crop copies exactly the requested rectangle and rejects one outside the image', () => {
    const pixels = randomBytes(5 * 4 * 3, 5);
    const image = { width: 5, height: 4, channels: 3 as const, data: pixels };
    const part = cropImage(image, { left: 1, top: 2, width: 3, height: 2 });
    for (let y = 0; y < 2; y++) for (let x = 0; x < 3; x++) {
      const s = ((y + 2) * 5 + x + 1) * 3;
      expect(Array.from(part.data.subarray((y * 3 + x) * 3, (y * 3 + x) * 3 + 3))).toEqual(Array.from(pixels.subarray(s, s + 3)));
    }
    expect(() => cropImage(image, { left: 3, top: 0, width: 3, height: 1 })).toThrow(/inside the 5x4 image/);
  });
});

describe('tensor conversion', () => {
  it('maps 0..255 to [-1, 1] in channels-first order and back', () => {
    const pixels = randomBytes(4 * 3 * 3, 6);
    const chw = imageToChw({ width: 4, height: 3, channels: 3, data: pixels });
    for (let c = 0; c < 3; c++) for (let i = 0; i < 12; i++) {
      expect(chw.data[c * 12 + i]).toBeCloseTo(pixels[i * 3 + c] / 127.5 - 1, 6);
    }
    expect(Array.from(chwToImage(chw).data)).toEqual(Array.from(pixels));
  });

  it('clamps out-of-range floats when converting back', () => {
    const img = chwToImage({ data: Float32Array.from([-3, 2.5, 0]), channels: 1, height: 1, width: 3 });
    expect(Array.from(img.data)).toEqual([0, 255, 128]);
  });

  it('builds a [3, H, W] tensor and reads it back', async () => {
    const pixels = randomBytes(5 * 2 * 3, 7);
    const t = imageToTensor({ width: 5, height: 2, channels: 3, data: pixels });
    expect(t.shape).toEqual([3, 2, 5]);
    const back = await tensorToImage(t);
    expect(Array.from(back.data)).toEqual(Array.from(pixels));
    t.dispose();
  });
});

describe('decode and classifier options', () => {
  const png = handmadePng(2, 2, 3, randomBytes(12, 2));
  const rejects = async (call: () => Promise<unknown>, pattern: RegExp) => {
    await expect(call()).rejects.toThrow(DatasetError);
    await expect(call()).rejects.toThrow(pattern);
  };

  it('refuses bad options with a DatasetError naming the option', async () => {
    await rejects(() => decodeImage(png, { channel: 4 } as never), /decodeImage: unknown option "channel"; expected one of channels/);
    await rejects(() => decodeImage(png, { channels: 1 } as never), /decodeImage: option "channels" is 1, expected one of 3, 4/);
    await rejects(() => decodeImage(png, { channels: Number.NaN } as never), /option "channels" is NaN/);
    await rejects(() => decodeImage(png, 'rgba' as never), /decodeImage: options must be an object.*got "rgba"/);
    await rejects(() => readImage('/nonexistent.png', { channels: 2 } as never), /readImage: option "channels" is 2/);
    expect(() => fitSceneThemeClassifier({ seeds: 0 })).toThrow(/fitSceneThemeClassifier: option "seeds" is 0, expected an integer >= 1/);
    expect(() => fitSceneThemeClassifier({ size: Infinity })).toThrow(DatasetError);
    expect(() => fitSceneThemeClassifier({ theme: ['desert'] } as never)).toThrow(/unknown option "theme"/);
    expect(() => fitSceneThemeClassifier('desert' as never)).toThrow(/fitSceneThemeClassifier: options must be an object/);
  });

  it('leaves valid calls unchanged', async () => {
    const rgba = await decodeImage(png, { channels: 4 });
    const rgb = await decodeImage(png, { channels: undefined });
    expect([rgba.channels, rgb.channels]).toEqual([4, 3]);
    expect(Array.from(rgb.data)).toEqual(Array.from((await decodeImage(png)).data));
  });
});
