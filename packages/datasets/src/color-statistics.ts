import type { RasterImage } from './raster-image.js';

const BANDS = 3;
const HUE_BINS = 8;

/** Number of values colorStatistics returns. */
export const COLOR_FEATURE_COUNT = BANDS * 5 + HUE_BINS + 1;

/**
 * Colour statistics of an image as a fixed-length feature vector: for the top, middle and bottom thirds
 * the mean R, G, B, saturation and brightness; a saturation-weighted hue histogram; the brightness spread.
 * Cheap, resolution-independent, and enough to tell the procedural themes apart.
 */
export function colorStatistics(image: RasterImage): number[] {
  const { width, height, channels, data } = image;
  const band = new Float64Array(BANDS * 5), count = new Float64Array(BANDS), hue = new Float64Array(HUE_BINS);
  let sumV = 0, sumV2 = 0;
  for (let y = 0; y < height; y++) {
    const b = Math.min(BANDS - 1, Math.floor((y * BANDS) / height));
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * channels;
      const r = data[i] / 255, g = (channels >= 3 ? data[i + 1] : data[i]) / 255, bl = (channels >= 3 ? data[i + 2] : data[i]) / 255;
      const max = Math.max(r, g, bl), min = Math.min(r, g, bl), s = max > 0 ? (max - min) / max : 0;
      band[b * 5] += r; band[b * 5 + 1] += g; band[b * 5 + 2] += bl; band[b * 5 + 3] += s; band[b * 5 + 4] += max;
      count[b]++;
      sumV += max; sumV2 += max * max;
      if (max > min) {
        const d = max - min;
        let h = max === r ? ((g - bl) / d) % 6 : max === g ? (bl - r) / d + 2 : (r - g) / d + 4;
        if (h < 0) h += 6;
        hue[Math.min(HUE_BINS - 1, Math.floor((h / 6) * HUE_BINS))] += s;
      }
    }
  }
  const n = width * height, features: number[] = [];
  for (let b = 0; b < BANDS; b++) for (let k = 0; k < 5; k++) features.push(band[b * 5 + k] / Math.max(1, count[b]));
  for (let k = 0; k < HUE_BINS; k++) features.push(hue[k] / n);
  const mean = sumV / n;
  features.push(Math.sqrt(Math.max(0, sumV2 / n - mean * mean)));
  return features;
}
