import type { RasterImage } from '@loraflow/datasets';

/** Statistics that show CFG collapse: over-saturated colour and channels pinned at 0 or 255. */
export interface ImageStatistics {
  /** Mean HSV saturation in [0, 1]. */
  saturation: number;
  /** Share of channel values at <= 2 or >= 253. */
  clipped: number;
  /** Standard deviation of brightness (contrast). */
  contrast: number;
}

/** Saturation, clipping and contrast of an RGB(A) image. */
export function imageStatistics(image: RasterImage): ImageStatistics {
  const { data, channels } = image;
  const n = image.width * image.height;
  let sat = 0, clipped = 0, sumV = 0, sumV2 = 0;
  for (let i = 0; i < n; i++) {
    const o = i * channels;
    const r = data[o], g = data[o + 1], b = data[o + 2];
    const max = Math.max(r, g, b), min = Math.min(r, g, b);
    sat += max > 0 ? (max - min) / max : 0;
    for (const v of [r, g, b]) if (v <= 2 || v >= 253) clipped++;
    sumV += max / 255;
    sumV2 += (max / 255) ** 2;
  }
  const meanV = sumV / n;
  return { saturation: sat / n, clipped: clipped / (3 * n), contrast: Math.sqrt(Math.max(0, sumV2 / n - meanV * meanV)) };
}

/** Mean of each statistic over images. */
export function meanStatistics(stats: readonly ImageStatistics[]): ImageStatistics {
  const mean = (k: keyof ImageStatistics) => stats.reduce((a, s) => a + s[k], 0) / Math.max(1, stats.length);
  return { saturation: mean('saturation'), clipped: mean('clipped'), contrast: mean('contrast') };
}
