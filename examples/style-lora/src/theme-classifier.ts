import { classifyColors, fitColorClassifier, listSceneThemes, renderScene, type ColorClassifier, type LabelledImage, type RasterImage } from '@loraflow/datasets';
import { boxBlur } from './box-blur.js';

/**
 * A theme classifier that needs no person: nearest centroid over standardised colour statistics (per-band colour,
 * saturation, brightness, hue histogram; @loraflow/datasets' colour classifier), fitted on generator renders of every
 * theme and their blurred copies. Nearest centroid rather than a fitted linear model: model samples lie outside the
 * renders' distribution, and a linear model extrapolates there while a centroid distance stays sensible.
 */
export interface ThemeClassifier {
  labels: string[];
  model: ColorClassifier;
  /** Accuracy on renders it was not fitted on. */
  heldOutAccuracy: number;
}

/** The nearest theme of an image. */
export function classifyTheme(clf: ThemeClassifier, image: RasterImage): string {
  return classifyColors(clf.model, image).label;
}

/** Fits the classifier on `perTheme` renders of every generator theme at `size` px (seeds from `seed`) and measures its accuracy on as many others. */
export async function fitThemeClassifier(o: { perTheme: number; size: number; seed: number }): Promise<ThemeClassifier> {
  const labels = listSceneThemes().map((t) => t.id);
  const render = (offset: number): LabelledImage[] => labels.flatMap((label) =>
    Array.from({ length: o.perTheme }, (_, i) => renderScene({ theme: label, seed: o.seed + offset + i, width: o.size, height: o.size }).image)
      // Model samples are softer than renders: fit on both.
      .flatMap((image) => [{ image, label }, { image: boxBlur(image), label }]));
  const model = fitColorClassifier(render(0));
  const test = render(o.perTheme);
  const right = test.filter((s) => classifyColors(model, s.image).label === s.label).length;
  return { labels, model, heldOutAccuracy: right / test.length };
}
