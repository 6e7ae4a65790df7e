import { colorStatistics, listSceneThemes, renderScene, type RasterImage } from '@loraflow/datasets';
import { boxBlur } from './box-blur.js';

/**
 * A theme classifier that needs no person: colour statistics (per-band colour, saturation, hue histogram) plus
 * per-band edge energy, standardised, into a softmax regression fitted by gradient descent in float64.
 */
export interface ThemeClassifier {
  labels: string[];
  mean: number[];
  scale: number[];
  /** weights[class][feature], last entry the bias. */
  weights: number[][];
  /** Accuracy on renders it was not fitted on. */
  heldOutAccuracy: number;
}

const BANDS = 3;

/** Colour statistics + mean absolute horizontal and vertical brightness differences per horizontal third. */
export function themeFeatures(image: RasterImage): number[] {
  const { width: w, height: h, channels: c, data } = image;
  const lum = (x: number, y: number) => {
    const o = (y * w + x) * c;
    return (0.299 * data[o] + 0.587 * data[o + 1] + 0.114 * data[o + 2]) / 255;
  };
  const edges = new Array<number>(2 * BANDS).fill(0);
  const counts = new Array<number>(BANDS).fill(0);
  for (let y = 0; y < h - 1; y++) {
    const b = Math.min(BANDS - 1, Math.floor((y * BANDS) / h));
    for (let x = 0; x < w - 1; x++) {
      const v = lum(x, y);
      edges[2 * b] += Math.abs(lum(x + 1, y) - v);
      edges[2 * b + 1] += Math.abs(lum(x, y + 1) - v);
      counts[b]++;
    }
  }
  return [...colorStatistics(image), ...edges.map((e, i) => e / Math.max(1, counts[i >> 1]))];
}

function softmax(z: number[]): number[] {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** Class probabilities for one image. */
export function themeProbabilities(clf: ThemeClassifier, image: RasterImage): Record<string, number> {
  const f = themeFeatures(image).map((v, k) => (v - clf.mean[k]) / clf.scale[k]);
  const p = softmax(clf.weights.map((w) => w.reduce((a, wk, k) => a + wk * (k < f.length ? f[k] : 1), 0)));
  return Object.fromEntries(clf.labels.map((l, i) => [l, p[i]]));
}

/** The most probable theme of an image. */
export function classifyTheme(clf: ThemeClassifier, image: RasterImage): string {
  const p = themeProbabilities(clf, image);
  return clf.labels.reduce((best, l) => (p[l] > p[best] ? l : best), clf.labels[0]);
}

/**
 * Fits the classifier on `perTheme` renders of every generator theme at `size` px (seeds from `seed`) and measures
 * its accuracy on as many other renders. `prepare` can pass renders through the model's autoencoder first.
 */
export async function fitThemeClassifier(o: { perTheme: number; size: number; seed: number; prepare?: (images: RasterImage[]) => Promise<RasterImage[]> }): Promise<ThemeClassifier> {
  const labels = listSceneThemes().map((t) => t.id);
  const render = async (offset: number) => {
    const x: number[][] = [], y: number[] = [];
    for (const [ci, theme] of labels.entries()) {
      let images = Array.from({ length: o.perTheme }, (_, i) => renderScene({ theme, seed: o.seed + offset + i, width: o.size, height: o.size }).image);
      if (o.prepare) images = await o.prepare(images);
      // Model samples are softer than renders: fit on both so edge energy does not decide alone.
      images = [...images, ...images.map(boxBlur)];
      for (const im of images) {
        x.push(themeFeatures(im));
        y.push(ci);
      }
    }
    return { x, y };
  };
  const train = await render(0);
  const dim = train.x[0].length;
  const mean = Array.from({ length: dim }, (_, k) => train.x.reduce((a, f) => a + f[k], 0) / train.x.length);
  const scale = Array.from({ length: dim }, (_, k) => Math.sqrt(train.x.reduce((a, f) => a + (f[k] - mean[k]) ** 2, 0) / train.x.length) + 1e-6);
  const xs = train.x.map((f) => [...f.map((v, k) => (v - mean[k]) / scale[k]), 1]);
  const weights = labels.map(() => new Array<number>(dim + 1).fill(0));
  const lr = 0.5, l2 = 1e-3;
  for (let it = 0; it < 400; it++) {
    const grad = labels.map(() => new Array<number>(dim + 1).fill(0));
    xs.forEach((f, n) => {
      const p = softmax(weights.map((w) => w.reduce((a, wk, k) => a + wk * f[k], 0)));
      p.forEach((pc, c) => {
        const err = pc - (train.y[n] === c ? 1 : 0);
        for (let k = 0; k <= dim; k++) grad[c][k] += err * f[k];
      });
    });
    weights.forEach((w, c) => w.forEach((_, k) => (w[k] -= lr * (grad[c][k] / xs.length + l2 * w[k]))));
  }
  const clf: ThemeClassifier = { labels, mean, scale, weights, heldOutAccuracy: 0 };
  const test = await render(o.perTheme);
  const right = test.x.filter((f, n) => {
    const z = f.map((v, k) => (v - mean[k]) / scale[k]);
    const scores = weights.map((w) => w.reduce((a, wk, k) => a + wk * (k < z.length ? z[k] : 1), 0));
    return scores.indexOf(Math.max(...scores)) === test.y[n];
  }).length;
  clf.heldOutAccuracy = right / test.x.length;
  return clf;
}
