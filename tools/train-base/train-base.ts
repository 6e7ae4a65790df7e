/**
 * Trains the committed base model (models/base): renders the procedural scenes of every theme except the held-out
 * one, trains the autoencoder, then the MMDiT + text encoder with flow matching, and writes the weights, config,
 * training log and a sample sheet. Usage (from the repo root):
 *   node --conditions=development --import tsx tools/train-base/train-base.ts [--out models/base] [--quick]
 * Every setting is below in SETTINGS; --quick shrinks them for a smoke run.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tc from '../../packages/tensor-core/src/index.ts';
import { createPipeline, DEFAULT_PIPELINE_CONFIG, promptWords, savePipeline, type PipelineConfig } from '../../packages/flow-dit/src/index.ts';
import { listSceneThemes } from '../../packages/datasets/src/index.ts';
import { HELD_OUT_THEME, renderSceneSet, trainingThemes } from './scene-data.ts';
import { trainAutoencoder, type AutoencoderTraining } from './train-autoencoder.ts';
import { adaLnZeroInit, trainTransformer, type TransformerTraining } from './train-transformer.ts';
import { writeSampleSheet } from './sample-grid.ts';
import { collisionFreeHashSeed } from './hash-seed.ts';

const MODEL: PipelineConfig = {
  ...structuredClone(DEFAULT_PIPELINE_CONFIG),
};

const SETTINGS = {
  seed: 0,
  scenesPerTheme: 200,
  autoencoderScenesPerTheme: 100,
  autoencoder: { steps: 400, batch: 8, crop: 32, lr: 2e-3, latentPenalty: 1e-3, latentNoise: 0.05, seed: 1 } satisfies AutoencoderTraining,
  transformer: {
    steps: 1200, batch: 12, lr: 1e-3, warmup: 30, weightDecay: 0.01, emaDecay: 0.99, captionDropout: 0.1,
    timestepSampling: { kind: 'logit-normal', mean: 0, std: 1 }, seed: 2,
  } satisfies TransformerTraining,
  sheet: { samplesPerTheme: 3, steps: 20, cfg: 3, seed: 100, captionSeed: 100000 },
  storageDType: 'bf16' as const,
};

const { values: args } = parseArgs({ options: { out: { type: 'string', default: 'models/base' }, quick: { type: 'boolean', default: false } } });
const out = args.out!;
if (args.quick) {
  SETTINGS.scenesPerTheme = 8;
  SETTINGS.autoencoderScenesPerTheme = 4;
  SETTINGS.autoencoder.steps = 6;
  SETTINGS.transformer.steps = 6;
  SETTINGS.transformer.batch = 4;
  SETTINGS.sheet.samplesPerTheme = 1;
  SETTINGS.sheet.steps = 4;
}

const device = await tc.getDevice();
console.log(`device: ${tc.describeDevice(device).summary}`);
const started = Date.now();
// (a) data
const themes = trainingThemes();
let t0 = performance.now();
const set = renderSceneSet(themes, SETTINGS.scenesPerTheme, MODEL.resolution);
const renderSeconds = (performance.now() - t0) / 1000;
console.log(`rendered ${set.captions.length} scenes of ${themes.length} themes (held out: ${HELD_OUT_THEME}) in ${renderSeconds.toFixed(1)} s`);

// The first hash seed under which no two known words (training captions, the held-out theme's captions, the
// report's trigger) share a bucket, so held-out words keep embeddings of their own.
const heldOut = renderSceneSet([HELD_OUT_THEME], 50, 16);
const vocab = [...new Set([...set.captions, ...heldOut.captions, 'maplestorybg'].flatMap(promptWords))].sort();
MODEL.textEncoder.hashSeed = collisionFreeHashSeed(vocab, MODEL.textEncoder);
const longest = Math.max(...set.captions.map((cap) => promptWords(cap).length));
console.log(`caption vocabulary: ${vocab.length} words, collision-free hash seed ${MODEL.textEncoder.hashSeed}; longest caption ${longest} words (max length ${MODEL.textEncoder.maxLength} tokens)`);

const pipeline = createPipeline(MODEL, { generator: new tc.Generator(SETTINGS.seed) });
console.log(`parameters: transformer ${pipeline.transformer.numParameters()}, vae ${pipeline.vae.numParameters()}, text encoder ${pipeline.textEncoder.numParameters()}`);

// (b) autoencoder. It is a generic image codec, like Qwen-Image's VAE trained on broad data, so it sees every theme
// (the held-out one included, without captions): a codec that cannot represent the held-out palette would make the
// style LoRA impossible for reasons that have nothing to do with the diffusion model. Only the transformer and the
// text encoder, the parts that learn what scenes and words mean, never see the held-out theme.
await mkdir(out, { recursive: true });
const codecSet = renderSceneSet([...themes, HELD_OUT_THEME], SETTINGS.autoencoderScenesPerTheme, MODEL.resolution, 50000);
const aeLog = await trainAutoencoder(pipeline, codecSet, SETTINGS.autoencoder);
console.log(`latent mean [${MODEL.vae.latentsMean}] std [${MODEL.vae.latentsStd}]`);
await savePipeline(pipeline, out, { dtype: SETTINGS.storageDType });

// Encode every training image once; the diffusion model trains on these latents.
t0 = performance.now();
const [c, h, w] = pipeline.latentShape;
const latents = new Float32Array(set.captions.length * c * h * w);
const plane = 3 * set.size * set.size;
for (let i = 0; i < set.captions.length; i += 32) {
  const b = Math.min(32, set.captions.length - i);
  const z = tc.noGrad(() => tc.tidy(() => pipeline.encodeImages(tc.tensor(set.pixels.subarray(i * plane, (i + b) * plane), [b, 3, set.size, set.size]))));
  latents.set((await z.data()) as Float32Array, i * c * h * w);
  z.dispose();
}
const recon = await reconstructionError(set.pixels.subarray(0, 64 * plane), Math.min(64, set.captions.length));
console.log(`encoded ${set.captions.length} latents in ${((performance.now() - t0) / 1000).toFixed(1)} s; reconstruction MSE on 64 training images ${recon.toFixed(5)}`);

// (c) transformer
adaLnZeroInit(pipeline);
const ditLog = await trainTransformer(pipeline, { latents, shape: [c, h, w], captions: set.captions }, SETTINGS.transformer);

// (d) outputs
MODEL.training = { heldOutTheme: HELD_OUT_THEME, trainingThemes: themes, script: 'tools/train-base/train-base.ts', quick: args.quick };
await savePipeline(pipeline, out, { dtype: SETTINGS.storageDType, metadata: { held_out_theme: HELD_OUT_THEME } });
t0 = performance.now();
const sheetCaptions = await writeSampleSheet(pipeline, join(out, 'samples.png'), { themes: listSceneThemes().map((t) => t.id), ...SETTINGS.sheet });
console.log(`sample sheet written in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
const logFile = {
  command: `node --conditions=development --import tsx tools/train-base/train-base.ts --out ${out}${args.quick ? ' --quick' : ''}`,
  device: tc.describeDevice(device).summary,
  finishedAt: new Date().toISOString(),
  wallSeconds: Math.round((Date.now() - started) / 1000),
  settings: SETTINGS,
  parameters: { transformer: pipeline.transformer.numParameters(), vae: pipeline.vae.numParameters(), textEncoder: pipeline.textEncoder.numParameters() },
  data: { themes, heldOutTheme: HELD_OUT_THEME, scenes: set.captions.length, autoencoderScenes: codecSet.captions.length, resolution: MODEL.resolution, renderSeconds },
  vocabulary: { words: vocab.length, hashSeed: MODEL.textEncoder.hashSeed, longestCaptionWords: longest },
  autoencoder: { seconds: Math.round(aeLog.seconds), reconstructionMse: recon, lossEvery10Steps: aeLog.curve(10), latentsMean: MODEL.vae.latentsMean, latentsStd: MODEL.vae.latentsStd },
  transformer: { seconds: Math.round(ditLog.seconds), lossEvery10Steps: ditLog.curve(10), firstLoss: ditLog.losses[0], lastLoss: ditLog.losses[ditLog.losses.length - 1] },
  sampleSheet: { file: 'samples.png', rows: 'one per theme (held-out theme included: the base model has never seen it)', captions: sheetCaptions },
};
const logPath = join(out, 'train-log.json');
await writeFile(`${logPath}.tmp`, `${JSON.stringify(logFile, null, 2)}\n`);
await rename(`${logPath}.tmp`, logPath);
console.log(`done in ${logFile.wallSeconds} s; wrote ${out}`);
process.exit(0);

async function reconstructionError(pixels: Float32Array, n: number): Promise<number> {
  const e = tc.noGrad(() => tc.tidy(() => {
    const x = tc.tensor(pixels, [n, 3, set.size, set.size]);
    return pipeline.decodeLatents(pipeline.encodeImages(x)).sub(x).square().mean();
  }));
  const v = await e.item();
  e.dispose();
  return v;
}
