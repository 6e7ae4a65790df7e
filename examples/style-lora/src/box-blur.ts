import type { RasterImage } from '@loraflow/datasets';

/** A 3x3 box blur (edges clamped): renders softened like an autoencoder's reconstructions, for the classifier. */
export function boxBlur(image: RasterImage): RasterImage {
  const { width: w, height: h, channels: c, data } = image;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) {
    let sum = 0;
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
      const yy = Math.min(h - 1, Math.max(0, y + dy)), xx = Math.min(w - 1, Math.max(0, x + dx));
      sum += data[(yy * w + xx) * c + k];
    }
    out[(y * w + x) * c + k] = Math.round(sum / 9);
  }
  return { width: w, height: h, channels: c, data: out };
}
