/**
 * Simple, documented detectors for the prompt-following measure. Each turns an RGB image into a few numbers and
 * names the attribute with a nearest-centroid classifier (datasets' fitFeatureClassifier) fitted on renders whose
 * attribute was set with a scene control, so the same detector judges renders and model samples.
 */
import type { RasterImage, SceneControls } from '../../packages/datasets/src/index.ts';

/** One attribute test: a theme, the classes and the scene control that makes each, and the feature the detector uses. */
export interface AttributeTest {
  name: string;
  theme: string;
  classes: { label: string; controls: SceneControls }[];
  /** What the feature measures, for the README. */
  feature: string;
  features(image: RasterImage): number[];
}

function luminance(img: RasterImage, x: number, y: number): number {
  const i = (y * img.width + x) * img.channels;
  return (0.299 * img.data[i] + 0.587 * img.data[i + 1] + 0.114 * img.data[i + 2]) / 255;
}

/** Mean luminance of each of `bins` vertical strips of the rows [top, bottom) (fractions of the height), minus their mean. */
export function columnBrightness(img: RasterImage, top: number, bottom: number, bins: number): number[] {
  const y0 = Math.floor(top * img.height), y1 = Math.ceil(bottom * img.height);
  const sums = new Array<number>(bins).fill(0), counts = new Array<number>(bins).fill(0);
  for (let y = y0; y < y1; y++) {
    for (let x = 0; x < img.width; x++) {
      const b = Math.min(bins - 1, Math.floor((x / img.width) * bins));
      sums[b] += luminance(img, x, y);
      counts[b]++;
    }
  }
  const means = sums.map((s, b) => s / counts[b]);
  const avg = means.reduce((a, v) => a + v, 0) / bins;
  return means.map((m) => m - avg);
}

/** Mean luminance of the rows [top, bottom). */
export function bandLuminance(img: RasterImage, top: number, bottom: number): number {
  return fractionWhere(img, top, bottom, () => 1, (x, y) => luminance(img, x, y));
}

/** Share of pixels in rows [top, bottom) that pass `test` (or the mean of `value` over them). */
function fractionWhere(img: RasterImage, top: number, bottom: number, test: (r: number, g: number, b: number) => number, value?: (x: number, y: number) => number): number {
  const y0 = Math.floor(top * img.height), y1 = Math.ceil(bottom * img.height);
  let sum = 0, n = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = 0; x < img.width; x++) {
      const i = (y * img.width + x) * img.channels;
      sum += value ? value(x, y) : test(img.data[i], img.data[i + 1], img.data[i + 2]);
      n++;
    }
  }
  return sum / n;
}

/** Share of near-black pixels (luminance below `threshold`) in rows [top, bottom). */
export function darkFraction(img: RasterImage, top: number, bottom: number, threshold = 0.07): number {
  return fractionWhere(img, top, bottom, (r, g, b) => (0.299 * r + 0.587 * g + 0.114 * b < threshold * 255 ? 1 : 0));
}

/** Share of warm pixels (red exceeds blue by more than 40 of 255) in rows [top, bottom). */
export function warmFraction(img: RasterImage, top: number, bottom: number): number {
  return fractionWhere(img, top, bottom, (r, _g, b) => (r - b > 40 ? 1 : 0));
}

const sides = (['left', 'centre', 'right'] as const).map((s) => ({ label: s, controls: { celestial: s } }));
const SKY_PROFILE = 'column brightness of the top 45% of rows in 12 strips (sun/moon: the brightest strip)';

/** The prompt-following tests: sun/moon left vs centre vs right, day vs night, one vs three trees, structure or not. */
export const ATTRIBUTE_TESTS: AttributeTest[] = [
  ...['desert', 'sky-islands', 'night-city', 'snowy-mountains'].map((theme) => ({
    name: `${theme === 'night-city' || theme === 'snowy-mountains' ? 'sun/moon' : 'sun'} position (${theme})`,
    theme, classes: sides, feature: SKY_PROFILE,
    features: (img: RasterImage) => columnBrightness(img, 0, 0.45, 12),
  })),
  {
    name: 'day vs night (snowy-mountains)', theme: 'snowy-mountains',
    classes: [{ label: 'day', controls: { time: 'day' } }, { label: 'night', controls: { time: 'night' } }],
    feature: 'mean luminance of the top half', features: (img) => [bandLuminance(img, 0, 0.5)],
  },
  {
    name: 'one vs three trees (volcanic)', theme: 'volcanic',
    classes: [{ label: '1', controls: { trees: 1 } }, { label: '3', controls: { trees: 3 } }],
    feature: 'share of near-black pixels (luminance < 0.11) in rows 45-86%', features: (img) => [darkFraction(img, 0.45, 0.86, 0.11)],
  },
  {
    name: 'cabin present vs absent (snowy-mountains)', theme: 'snowy-mountains',
    classes: [{ label: 'cabin', controls: { structure: true } }, { label: 'none', controls: { structure: false } }],
    feature: 'share of warm pixels (R - B > 40) in the bottom half', features: (img) => [warmFraction(img, 0.5, 1)],
  },
];
