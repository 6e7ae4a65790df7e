/**
 * Prints the base model quality measures of issue 13 for any model folder (config.json + weights), and optionally
 * writes them as JSON. Usage (repo root):
 *   node --conditions=development --import tsx tools/train-base-v2/measure-quality.ts --model models/base [--json out.json] [--sheet out.png]
 * Every scene and noise seed is fixed, so two runs on one model print the same numbers. Scene seeds 600000+ fit the
 * detectors and the theme classifier, 700000+ make the test captions and renders: none is a training seed.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import * as tc from '../../packages/tensor-core/src/index.ts';
import { loadPipeline, type FlowPipeline } from '../../packages/flow-dit/src/index.ts';
import {
  classifyColors, classifyFeatures, fitFeatureClassifier, fitSceneThemeClassifier, imageGrid, listSceneThemes, renderScene, writePng,
  type GridCell, type RasterImage,
} from '../../packages/datasets/src/index.ts';
import { imagesFromBatch, sampleImageTensor } from '../../packages/trainer/src/index.ts';
import { renderSceneSet, trainingThemes } from '../train-base/scene-data.ts';
import { ATTRIBUTE_TESTS } from './attribute-detectors.ts';
import { autoencoderPsnr, edgeEnergy, meanPairwiseDistance } from './quality-measures.ts';

/** The measurement settings (one place). */
export const QUALITY_SETTINGS = {
  sampling: { steps: 16, cfg: 4, sampler: 'euler' as const },
  psnrScenesPerTheme: 4,
  detectorFitSeeds: 24,
  attributeCaptions: 3,
  themeCaptions: 1,
  seedsPerCaption: 3,
  diversityRenders: 6,
  batch: 12,
  fitSeed: 600000,
  testSeed: 700000,
  noiseSeed: 4242,
};

const { values: args } = parseArgs({ options: { model: { type: 'string', default: 'models/base' }, json: { type: 'string' }, sheet: { type: 'string' } } });
const S = QUALITY_SETTINGS;
const t0 = performance.now();
const pipeline = await loadPipeline(args.model!);
const size = pipeline.config.resolution;
const render = (theme: string, seed: number, controls = {}) => renderScene({ theme, seed, width: size, height: size, controls });

/** Samples one image per prompt (noise seed shared per call), batched. */
async function sample(p: FlowPipeline, prompts: string[], seed: number): Promise<RasterImage[]> {
  const out: RasterImage[] = [];
  for (let i = 0; i < prompts.length; i += S.batch) {
    const images = await sampleImageTensor(p, { prompt: prompts.slice(i, i + S.batch), seed: seed + i, ...S.sampling });
    out.push(...(await imagesFromBatch(images)));
    images.dispose();
  }
  return out;
}

// 1. Autoencoder PSNR on fresh scenes of all eight themes (the codec sees every theme) at the model's resolution.
const fresh = renderSceneSet(listSceneThemes().map((t) => t.id), S.psnrScenesPerTheme, size, S.testSeed + 20000);
const psnr = await autoencoderPsnr(pipeline, fresh);
console.error(`autoencoder PSNR measured (${Math.round((performance.now() - t0) / 1000)} s)`);

// 2. Prompt following: captions that differ in one attribute (same scene seed and the same noise for every class).
const sheet: GridCell[] = [];
const attributes = [];
for (const test of ATTRIBUTE_TESTS) {
  const detector = fitFeatureClassifier(test.classes.flatMap((c) => Array.from({ length: S.detectorFitSeeds }, (_, k) => ({
    label: c.label, features: test.features(render(test.theme, S.fitSeed + k, c.controls).image),
  }))));
  let rendersRight = 0, samplesRight = 0, total = 0;
  for (const c of test.classes) {
    const scenes = Array.from({ length: S.attributeCaptions }, (_, k) => render(test.theme, S.testSeed + k, c.controls));
    const images = await sample(pipeline, scenes.map((s) => s.caption), S.noiseSeed);
    scenes.forEach((s, k) => {
      rendersRight += Number(classifyFeatures(detector, test.features(s.image)).label === c.label);
      const got = classifyFeatures(detector, test.features(images[k])).label;
      samplesRight += Number(got === c.label);
      total++;
      if (k === 0) sheet.push({ image: images[k], label: `${c.label}: ${got}` });
    });
  }
  console.error(`${test.name}: ${samplesRight}/${total} (${Math.round((performance.now() - t0) / 1000)} s)`);
  attributes.push({ test: test.name, feature: test.feature, samples: samplesRight / total, renders: rendersRight / total, n: total });
}

// 3-5. Theme recognition, diversity and sharpness on samples of unseen captions of the training themes.
const themes = trainingThemes();
const classifier = fitSceneThemeClassifier({ themes, seeds: 16, size });
let recognised = 0, recognisedTotal = 0;
const diversity: Record<string, number> = {};
const sampleEdges: number[] = [], renderEdges: number[] = [];
for (const theme of themes) {
  const captions = Array.from({ length: S.themeCaptions }, (_, k) => render(theme, S.testSeed + 100 + k));
  const within: number[] = [];
  for (const [k, scene] of captions.entries()) {
    const images = await sample(pipeline, Array(S.seedsPerCaption).fill(scene.caption), S.noiseSeed + 1000 * k);
    for (const img of images) {
      recognised += Number(classifyColors(classifier, img).label === theme);
      recognisedTotal++;
      sampleEdges.push(edgeEnergy(img));
    }
    renderEdges.push(edgeEnergy(scene.image));
    within.push(meanPairwiseDistance(images));
    console.error(`${theme}: sampled (${Math.round((performance.now() - t0) / 1000)} s)`);
    if (k === 0) sheet.push({ image: scene.image, label: `${theme} render` }, ...images.map((image, j) => ({ image, label: `sample ${j + 1}` })));
  }
  const renders = Array.from({ length: S.diversityRenders }, (_, k) => render(theme, S.testSeed + 200 + k).image);
  diversity[theme] = within.reduce((a, b) => a + b, 0) / within.length / meanPairwiseDistance(renders);
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

const result = {
  model: args.model,
  resolution: size,
  autoencoderPsnrDb: Number(psnr.toFixed(2)),
  promptFollowing: attributes.map((a) => ({ ...a, samples: Number(a.samples.toFixed(3)), renders: Number(a.renders.toFixed(3)) })),
  promptFollowingMean: Number(mean(attributes.map((a) => a.samples)).toFixed(3)),
  themeRecognition: Number((recognised / recognisedTotal).toFixed(3)),
  diversityRatio: Number(mean(Object.values(diversity)).toFixed(3)),
  diversityPerTheme: Object.fromEntries(Object.entries(diversity).map(([k, v]) => [k, Number(v.toFixed(3))])),
  sharpnessRatio: Number((mean(sampleEdges) / mean(renderEdges)).toFixed(3)),
  settings: S,
  seconds: Math.round((performance.now() - t0) / 1000),
};
console.log(`model ${result.model} at ${size}x${size}`);
console.log(`autoencoder PSNR on fresh scenes: ${result.autoencoderPsnrDb} dB`);
for (const a of result.promptFollowing) console.log(`prompt following, ${a.test}: samples ${(a.samples * 100).toFixed(0)}% (renders ${(a.renders * 100).toFixed(0)}%, n=${a.n})`);
console.log(`prompt following, mean: ${(result.promptFollowingMean * 100).toFixed(1)}%`);
console.log(`(sampling: Euler ${S.sampling.steps} steps, CFG ${S.sampling.cfg}; ${S.attributeCaptions} captions per class, ${S.themeCaptions} caption(s) x ${S.seedsPerCaption} seeds per theme)`);
console.log(`theme recognition: ${(result.themeRecognition * 100).toFixed(1)}% of ${recognisedTotal} samples`);
console.log(`diversity (samples of one caption / renders of the theme): ${result.diversityRatio}`);
console.log(`sharpness (edge energy samples / renders): ${result.sharpnessRatio}`);
console.log(`took ${result.seconds} s`);
if (args.json) await writeFile(args.json, `${JSON.stringify(result, null, 2)}\n`);
if (args.sheet) await writePng(args.sheet, await imageGrid(sheet, { columns: 4, cellWidth: 128, cellHeight: 128, labelScale: 1 }));
pipeline.dispose();
process.exit(0);
