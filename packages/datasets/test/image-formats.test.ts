import sharp from 'sharp';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeImage, probeImage } from '@loraflow/datasets';
import { handmadePng, randomBytes } from './png-fixture.js';

describe('image formats', () => {
  it('decodes greyscale PNG to RGB with the grey repeated', async () => {
    const grey = randomBytes(5 * 4, 21);
    const png = await sharp(grey, { raw: { width: 5, height: 4, channels: 1 } }).png().toBuffer();
    const img = await decodeImage(png);
    expect(img.channels).toBe(3);
    expect(Array.from(img.data)).toEqual(Array.from(grey).flatMap((v) => [v, v, v]));
  });

  it('decodes 16-bit PNG to 8 bits per channel', async () => {
    const w = 4, h = 3;
    const wide = new Uint16Array(w * h * 3);
    for (let i = 0; i < wide.length; i++) wide[i] = (i * 4099) % 65536;
    const png = handmadePng(w, h, 3, wide);
    expect((await sharp(png).metadata()).depth).toBe('ushort');
    const img = await decodeImage(png);
    const maxErr = Math.max(...Array.from(img.data, (v, i) => Math.abs(v - wide[i] / 257)));
    expect(maxErr).toBeLessThanOrEqual(1);
  });

  it('applies EXIF orientation on decode and in probeImage', async () => {
    const pixels = randomBytes(6 * 2 * 3, 22);
    const jpeg = await sharp(pixels, { raw: { width: 6, height: 2, channels: 3 } }).jpeg({ quality: 100 }).withMetadata({ orientation: 6 }).toBuffer();
    const img = await decodeImage(jpeg);
    expect([img.width, img.height]).toEqual([2, 6]);
    const dir = await mkdtemp(join(tmpdir(), 'lf-exif-'));
    await writeFile(join(dir, 'r.jpg'), jpeg);
    expect(await probeImage(join(dir, 'r.jpg'))).toEqual({ width: 2, height: 6, format: 'jpeg' });
  });
});
