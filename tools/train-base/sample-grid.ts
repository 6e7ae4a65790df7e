/** Stage (d): a sample sheet, one row per theme: the generator's own render of a caption, then the model's samples for it. */
import * as tc from '../../packages/tensor-core/src/index.ts';
import type { FlowPipeline } from '../../packages/flow-dit/src/index.ts';
import { imageGrid, renderScene, tensorToImage, writePng, type GridCell } from '../../packages/datasets/src/index.ts';
import { guidedModel, linearSigmas, sampleEuler } from '../../packages/flow-samplers/src/index.ts';

/** Sampling settings of the sheet. */
export interface SampleSheetOptions {
  themes: string[];
  samplesPerTheme: number;
  steps: number;
  cfg: number;
  seed: number;
  /** Scene seed of the caption drawn for each theme (unseen in training). */
  captionSeed: number;
}

/** Samples latents for one caption with Euler and plain CFG against the empty prompt; returns decoded images [n, 3, H, W]. */
export async function sampleImages(pipeline: FlowPipeline, caption: string, count: number, o: { steps: number; cfg: number; seed: number }): Promise<tc.Tensor> {
  const pos = tc.noGrad(() => pipeline.encodePrompt([caption]));
  const neg = tc.noGrad(() => pipeline.encodePrompt(['']));
  const model = guidedModel(pipeline.velocityModel(), { scale: o.cfg, rescale: 'none', normAxes: [1] });
  const noise = tc.randn([count, ...pipeline.latentShape], { seed: o.seed });
  const latents = await sampleEuler(model, noise, { sigmas: [...linearSigmas(o.steps), 0], cond: { pos, neg } });
  const images = tc.noGrad(() => pipeline.decodeLatents(latents));
  for (const t of [pos.hidden, pos.mask, neg.hidden, neg.mask, noise, latents]) t.dispose();
  return images;
}

/** Writes the sheet PNG and returns the captions used per theme. */
export async function writeSampleSheet(pipeline: FlowPipeline, path: string, o: SampleSheetOptions): Promise<Record<string, string>> {
  const cells: GridCell[] = [];
  const captions: Record<string, string> = {};
  const size = pipeline.config.resolution;
  for (const [row, theme] of o.themes.entries()) {
    const scene = renderScene({ theme, seed: o.captionSeed, width: size, height: size });
    captions[theme] = scene.caption;
    cells.push({ image: scene.image, label: `${theme} (render)` });
    const images = await sampleImages(pipeline, scene.caption, o.samplesPerTheme, { steps: o.steps, cfg: o.cfg, seed: o.seed + row });
    for (let k = 0; k < o.samplesPerTheme; k++) {
      const one = tc.slice(images, [k, 0, 0, 0], [k + 1, ...images.shape.slice(1)]);
      cells.push({ image: await tensorToImage(one), label: `sample ${k + 1}` });
      one.dispose();
    }
    images.dispose();
  }
  const grid = await imageGrid(cells, { columns: o.samplesPerTheme + 1, cellWidth: 128, cellHeight: 128, labelScale: 1 });
  await writePng(path, grid);
  return captions;
}
