import { colorStatistics } from './color-statistics.js';
import { DatasetError } from './dataset-error.js';
import type { RasterImage } from './raster-image.js';

/** A labelled image for fitting the colour classifier. */
export interface LabelledImage {
  readonly image: RasterImage;
  readonly label: string;
}

/** A fitted nearest-centroid classifier over standardized colour statistics; plain data, so it can be saved as JSON. */
export interface ColorClassifier {
  readonly labels: readonly string[];
  readonly centroids: readonly (readonly number[])[];
  readonly mean: readonly number[];
  readonly scale: readonly number[];
}

/** A prediction: the nearest label and the distance to every centroid. */
export interface ColorPrediction {
  readonly label: string;
  readonly distance: number;
  readonly distances: Readonly<Record<string, number>>;
}

/** Fits a nearest-centroid classifier on any fixed-length feature vectors (standardized by their spread over the samples). */
export function fitFeatureClassifier(samples: readonly { readonly features: readonly number[]; readonly label: string }[]): ColorClassifier {
  if (samples.length === 0) throw new DatasetError('fitFeatureClassifier: expected at least one labelled sample');
  const features = samples.map((s) => s.features);
  const dim = features[0].length;
  const bad = features.findIndex((f) => f.length !== dim);
  if (bad >= 0) throw new DatasetError(`fitFeatureClassifier: sample ${bad} has ${features[bad].length} features, expected ${dim}`);
  const mean = Array.from({ length: dim }, (_, k) => features.reduce((a, f) => a + f[k], 0) / features.length);
  const scale = Array.from({ length: dim }, (_, k) => {
    const v = features.reduce((a, f) => a + (f[k] - mean[k]) ** 2, 0) / features.length;
    return Math.sqrt(v) + 1e-3;
  });
  const labels = [...new Set(samples.map((s) => s.label))];
  const centroids = labels.map((label) => {
    const rows = features.filter((_, i) => samples[i].label === label).map((f) => f.map((v, k) => (v - mean[k]) / scale[k]));
    return Array.from({ length: dim }, (_, k) => rows.reduce((a, r) => a + r[k], 0) / rows.length);
  });
  return { labels, centroids, mean, scale };
}

/** Classifies a feature vector with a fitted nearest-centroid classifier. */
export function classifyFeatures(classifier: ColorClassifier, features: readonly number[]): ColorPrediction {
  const f = features.map((v, k) => (v - classifier.mean[k]) / classifier.scale[k]);
  const distances: Record<string, number> = {};
  let best = 0;
  classifier.centroids.forEach((c, i) => {
    distances[classifier.labels[i]] = Math.sqrt(c.reduce((a, v, k) => a + (v - f[k]) ** 2, 0));
    if (distances[classifier.labels[i]] < distances[classifier.labels[best]]) best = i;
  });
  return { label: classifier.labels[best], distance: distances[classifier.labels[best]], distances };
}

/** Fits a nearest-centroid classifier on colour statistics (features standardized by their spread over the samples). */
export function fitColorClassifier(samples: readonly LabelledImage[]): ColorClassifier {
  if (samples.length === 0) throw new DatasetError('fitColorClassifier: expected at least one labelled image');
  return fitFeatureClassifier(samples.map((s) => ({ label: s.label, features: colorStatistics(s.image) })));
}

/** Classifies an image with a fitted colour classifier. */
export function classifyColors(classifier: ColorClassifier, image: RasterImage): ColorPrediction {
  return classifyFeatures(classifier, colorStatistics(image));
}
