/** The transformer stage's data: scenes rendered once and encoded by the trained autoencoder, cached outside git. */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tc from '../../packages/tensor-core/src/index.ts';
import type { FlowPipeline } from '../../packages/flow-dit/src/index.ts';
import { renderSceneSet } from '../train-base/scene-data.ts';
import type { LatentSet } from '../train-base/train-transformer.ts';

/** Normalized latents of `perTheme` scenes (seeds seedOffset..) of each theme, cached under `cacheDir` by `key`. */
export async function latentPool(pipeline: FlowPipeline, themes: readonly string[], perTheme: number, seedOffset: number, cacheDir: string, key: string): Promise<LatentSet & { seconds: number; cached: boolean }> {
  const file = join(cacheDir, `latents-${key}.safetensors`);
  const [c, h, w] = pipeline.latentShape;
  const t0 = performance.now();
  try {
    const reader = await tc.readSafetensors(file);
    const z = await reader.read('latents');
    const captions = JSON.parse(reader.metadata.captions) as string[];
    await reader.close();
    const latents = (await z.data()) as Float32Array;
    z.dispose();
    return { latents, shape: [c, h, w], captions, seconds: (performance.now() - t0) / 1000, cached: true };
  } catch {
    // No usable cache: render and encode.
  }
  const size = pipeline.config.resolution;
  const latents = new Float32Array(themes.length * perTheme * c * h * w);
  const captions: string[] = [];
  const chunk = 8;
  for (let s = 0; s < perTheme; s += chunk) {
    const set = renderSceneSet(themes, Math.min(chunk, perTheme - s), size, seedOffset + s);
    const n = set.captions.length;
    const z = tc.noGrad(() => tc.tidy(() => pipeline.encodeImages(tc.tensor(set.pixels, [n, 3, size, size]))));
    latents.set((await z.data()) as Float32Array, captions.length * c * h * w);
    z.dispose();
    captions.push(...set.captions);
  }
  await mkdir(cacheDir, { recursive: true });
  const t = tc.tensor(latents, [captions.length, c, h, w]);
  await tc.writeSafetensors(file, { latents: t }, { captions: JSON.stringify(captions) });
  t.dispose();
  return { latents, shape: [c, h, w], captions, seconds: (performance.now() - t0) / 1000, cached: false };
}
