/** The base model's quality measures (issue 13): autoencoder PSNR, prompt following, theme recognition, diversity, sharpness. */
import * as tc from '../../packages/tensor-core/src/index.ts';
import type { FlowPipeline } from '../../packages/flow-dit/src/index.ts';
import type { SceneSet } from '../train-base/scene-data.ts';
import type { RasterImage } from '../../packages/datasets/src/index.ts';

/** Mean PSNR (dB, images in [-1, 1] so peak-to-peak 2) of encode -> decode over a scene set. */
export async function autoencoderPsnr(pipeline: FlowPipeline, set: SceneSet, batch = 8): Promise<number> {
  const plane = 3 * set.size * set.size;
  const n = set.captions.length;
  let total = 0;
  for (let i = 0; i < n; i += batch) {
    const b = Math.min(batch, n - i);
    const pixels = set.pixels.subarray(i * plane, (i + b) * plane);
    const recon = tc.noGrad(() => tc.tidy(() => pipeline.decodeLatents(pipeline.encodeImages(tc.tensor(pixels, [b, 3, set.size, set.size])))));
    const r = (await recon.data()) as Float32Array;
    recon.dispose();
    for (let k = 0; k < b; k++) {
      let se = 0;
      for (let j = k * plane; j < (k + 1) * plane; j++) se += (r[j] - pixels[j]) ** 2;
      total += 10 * Math.log10(4 / (se / plane));
    }
  }
  return total / n;
}

/** Edge energy: mean squared horizontal and vertical luminance difference (luminance in [0, 1]). */
export function edgeEnergy(img: RasterImage): number {
  const lum = (x: number, y: number) => {
    const i = (y * img.width + x) * img.channels;
    return (0.299 * img.data[i] + 0.587 * img.data[i + 1] + 0.114 * img.data[i + 2]) / 255;
  };
  let sum = 0, n = 0;
  for (let y = 0; y < img.height - 1; y++) {
    for (let x = 0; x < img.width - 1; x++) {
      const c = lum(x, y);
      sum += (lum(x + 1, y) - c) ** 2 + (lum(x, y + 1) - c) ** 2;
      n++;
    }
  }
  return sum / n;
}

/** Mean absolute pixel difference (values in [0, 1]) over every pair of same-sized images. */
export function meanPairwiseDistance(images: readonly RasterImage[]): number {
  let sum = 0, pairs = 0;
  for (let i = 0; i < images.length; i++) {
    for (let j = i + 1; j < images.length; j++) {
      const a = images[i].data, b = images[j].data;
      let d = 0;
      for (let k = 0; k < a.length; k++) d += Math.abs(a[k] - b[k]);
      sum += d / a.length / 255;
      pairs++;
    }
  }
  return sum / pairs;
}
