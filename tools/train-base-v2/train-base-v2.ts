/**
 * Trains base-v2 (issue 13) in two resumable stages on CPU. Usage (repo root):
 *   nice -n 15 node --conditions=development --import tsx tools/train-base-v2/train-base-v2.ts --stage autoencoder --out models/base-v2 --state /work/train-state/base-v2
 *   nice -n 19 node --conditions=development --import tsx tools/train-base-v2/train-base-v2.ts --stage transformer --out models/base-v2 --state /work/train-state/base-v2
 * Re-running a command after a kill resumes from its checkpoint in --state (bit-exact). --quick runs a tiny smoke
 * version; --stop-after N ends a stage after step N (checkpointed) without writing its outputs; --checkpoint-seconds
 * overrides how often a checkpoint is written (0: every step).
 * Autoencoder stage: trains on fresh renders of all eight themes (a generic codec; see models/base/README.md), writes
 * vae.safetensors, config.json and autoencoder-log.json into --out. Transformer stage: loads that autoencoder, encodes a
 * latent pool of the seven training themes (cached in --state), trains MMDiT + text encoder with flow matching and
 * writes the full pipeline, samples.png and train-log.json into --out. The held-out theme never reaches the
 * transformer or the text encoder.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tc from '../../packages/tensor-core/src/index.ts';
import { createPipeline, FlowPipeline, PIPELINE_FILES, promptWords, savePipeline, type PipelineConfig } from '../../packages/flow-dit/src/index.ts';
import { listSceneThemes } from '../../packages/datasets/src/index.ts';
import { noisyInput, sampleTrainingSigmas, velocityTarget } from '../../packages/flow-samplers/src/index.ts';
import { collisionFreeHashSeed } from '../train-base/hash-seed.ts';
import { writeSampleSheet } from '../train-base/sample-grid.ts';
import { HELD_OUT_THEME, renderSceneSet, trainingThemes } from '../train-base/scene-data.ts';
import { cropBatch, measureLatentStats } from '../train-base/train-autoencoder.ts';
import { adaLnZeroInit } from '../train-base/train-transformer.ts';
import { latentPool } from './latent-pool.ts';
import { autoencoderPsnr } from './quality-measures.ts';
import { MODEL_V2, quickModel, quickRecipe, RECIPE } from './recipe.ts';
import { runStage } from './stage-loop.ts';

const { values: args } = parseArgs({
  options: {
    stage: { type: 'string' }, out: { type: 'string', default: 'models/base-v2' }, state: { type: 'string', default: '/work/train-state/base-v2' },
    quick: { type: 'boolean', default: false }, 'stop-after': { type: 'string' }, 'checkpoint-seconds': { type: 'string' },
  },
});
if (args.stage !== 'autoencoder' && args.stage !== 'transformer') throw new Error(`--stage ${args.stage}: expected autoencoder or transformer`);
const recipe = args.quick ? quickRecipe() : RECIPE;
const model: PipelineConfig = args.quick ? quickModel() : structuredClone(MODEL_V2);
const out = args.out!, stateDir = args.state!;
const stopAfter = args['stop-after'] === undefined ? undefined : Number(args['stop-after']);
if (args['checkpoint-seconds'] !== undefined) recipe.checkpointSeconds = Number(args['checkpoint-seconds']);
const digestOf = (x: unknown) => createHash('sha256').update(JSON.stringify(x)).digest('hex').slice(0, 16);
const command = `node --conditions=development --import tsx tools/train-base-v2/train-base-v2.ts --stage ${args.stage} --out ${out} --state ${stateDir}${args.quick ? ' --quick' : ''}`;
const device = await tc.getDevice();
console.log(`device: ${tc.describeDevice(device).summary}; ${command}`);
const allThemes = listSceneThemes().map((t) => t.id);
const themes = trainingThemes();
await mkdir(out, { recursive: true });

if (args.stage === 'autoencoder') {
  const o = recipe.autoencoder;
  const pipeline = createPipeline(model, { generator: new tc.Generator(recipe.seed) });
  const size = model.resolution;
  const result = await runStage({
    name: 'autoencoder', settings: o.optimizer, params: pipeline.vae.namedParameters().map(([n, p]) => [n, p as tc.Parameter]),
    checkpointPath: join(stateDir, 'autoencoder.ckpt.safetensors'), digest: digestOf({ model: model.vae, size, o }),
    checkpointSeconds: recipe.checkpointSeconds, stopAfter,
    loss: (step, random) => {
      // One fresh scene of every theme per step; the batch is random crops of them.
      const set = renderSceneSet(allThemes, 1, size, o.sceneSeedOffset + step);
      const x = cropBatch(set, o.batch, o.crop, random.uniform);
      const z = pipeline.vae.encoder.forward(x);
      const recon = pipeline.vae.decoder.forward(z.add(tc.randn(z.shape, { generator: random.generator }).mul(o.latentNoise)));
      return recon.sub(x).square().mean().add(z.square().mean().mul(o.latentPenalty));
    },
  });
  if (!result.done) {
    console.log(`stopped after step ${stopAfter}; re-run the same command to resume`);
    process.exit(0);
  }
  // Storage rounding happens before the latent statistics and the PSNR, so both describe the committed weights.
  await roundToStorage(pipeline.vae);
  const stats = renderSceneSet(allThemes, 32, size, 500_000);
  await measureLatentStats(pipeline, stats);
  const fresh = renderSceneSet(allThemes, 4, size, 720_000);
  const psnr = await autoencoderPsnr(pipeline, fresh);
  await tc.writeSafetensors(join(out, PIPELINE_FILES.vae), castAll(pipeline.vae), { format: 'pt' });
  await tc.writeFileAtomic(join(out, PIPELINE_FILES.config), `${JSON.stringify(pipeline.config, null, 2)}\n`);
  await writeLog('autoencoder-log.json', {
    command, device: tc.describeDevice(device).summary, finishedAt: new Date().toISOString(), settings: o, model: model.vae,
    parameters: pipeline.vae.numParameters(), psnrFreshDb: Number(psnr.toFixed(2)), psnrScenes: fresh.captions.length,
    latentsMean: model.vae.latentsMean, latentsStd: model.vae.latentsStd,
    lastRun: { steps: result.stepsThisRun, wallSeconds: Math.round(result.seconds), cpuSeconds: Math.round(result.cpuSeconds), resumedAt: result.resumedAt },
    lossEvery25Steps: curve(result.losses, 25),
  });
  console.log(`autoencoder done: PSNR on ${fresh.captions.length} fresh scenes ${psnr.toFixed(2)} dB; wrote ${out}`);
  process.exit(0);
}

// Transformer stage.
const o = recipe.transformer;
const config = JSON.parse(await readFile(join(out, PIPELINE_FILES.config), 'utf8')) as PipelineConfig;
const heldOut = renderSceneSet([HELD_OUT_THEME], 50, 16);
// Captions do not depend on the render size: 16 px renders give the pool's and the validation set's captions cheaply.
const vocabCaptions = [...renderSceneSet(themes, o.poolPerTheme, 16).captions, ...renderSceneSet(themes, o.validationPerTheme, 16, o.validationSeedOffset).captions];
const vocab = [...new Set([...vocabCaptions, ...heldOut.captions, 'maplestorybg'].flatMap(promptWords))].sort();
config.textEncoder.hashSeed = collisionFreeHashSeed(vocab, config.textEncoder);
config.training = { heldOutTheme: HELD_OUT_THEME, trainingThemes: themes, script: 'tools/train-base-v2/train-base-v2.ts', quick: args.quick };
const pipeline = new FlowPipeline(config, { generator: new tc.Generator(recipe.seed + 1) });
await loadInto(pipeline.vae, join(out, PIPELINE_FILES.vae));
adaLnZeroInit(pipeline);
const digest = digestOf({ config, o, vae: await fileDigest(join(out, PIPELINE_FILES.vae)) });
const pool = await latentPool(pipeline, themes, o.poolPerTheme, 0, stateDir, digestOf({ digest, pool: o.poolPerTheme }));
console.log(`latent pool: ${pool.captions.length} scenes of ${themes.length} themes (held out: ${HELD_OUT_THEME}), ${pool.cached ? 'read from cache' : 'rendered and encoded'} in ${pool.seconds.toFixed(1)} s`);
const val = await latentPool(pipeline, themes, o.validationPerTheme, o.validationSeedOffset, stateDir, digestOf({ digest, val: o.validationPerTheme }));
const [c, h, w] = pool.shape, per = c * h * w;
const transformerParams = [
  ...pipeline.transformer.namedParameters().map(([n, p]) => [`transformer.${n}`, p as tc.Parameter] as [string, tc.Parameter]),
  ...pipeline.textEncoder.namedParameters().map(([n, p]) => [`text_encoder.${n}`, p as tc.Parameter] as [string, tc.Parameter]),
];
const holder: { ema: tc.EMA | null } = { ema: null };
const result = await runStage({
  name: 'transformer', settings: o.optimizer, params: transformerParams,
  checkpointPath: join(stateDir, 'transformer.ckpt.safetensors'), digest, checkpointSeconds: recipe.checkpointSeconds, stopAfter,
  validateEvery: o.validateEvery, validate: () => validationLoss(),
  loss: (_step, random) => {
    const idx = Array.from({ length: o.batch }, () => Math.floor(random.uniform() * pool.captions.length));
    const sigmas = sampleTrainingSigmas(o.batch, o.timestepSampling, random.uniform);
    const captions = idx.map((i) => (random.uniform() < o.captionDropout ? '' : pool.captions[i]));
    const x0Data = new Float32Array(o.batch * per);
    idx.forEach((i, b) => x0Data.set(pool.latents.subarray(i * per, (i + 1) * per), b * per));
    const x0 = tc.tensor(x0Data, [o.batch, c, h, w]);
    const noise = tc.randn(x0.shape, { generator: random.generator });
    const v = pipeline.velocity(noisyInput(x0, noise, sigmas), tc.tensor(sigmas, [o.batch]), pipeline.encodePrompt(captions));
    return v.sub(velocityTarget(x0, noise)).square().mean();
  },
}, holder);
if (!result.done) {
  console.log(`stopped after step ${stopAfter}; re-run the same command to resume`);
  process.exit(0);
}
holder.ema?.copyTo();
const emaValidation = await validationLoss();
await savePipeline(pipeline, out, { dtype: recipe.storageDType, metadata: { held_out_theme: HELD_OUT_THEME } });
const sheetCaptions = await writeSampleSheet(pipeline, join(out, 'samples.png'), { themes: allThemes, ...recipe.sheet });
await writeLog('train-log.json', {
  command, device: tc.describeDevice(device).summary, finishedAt: new Date().toISOString(), settings: o, sheet: recipe.sheet,
  parameters: { transformer: pipeline.transformer.numParameters(), textEncoder: pipeline.textEncoder.numParameters(), vae: pipeline.vae.numParameters() },
  data: { themes, heldOutTheme: HELD_OUT_THEME, poolScenes: pool.captions.length, validationScenes: val.captions.length, resolution: config.resolution, poolSeconds: Math.round(pool.seconds) },
  vocabulary: { words: vocab.length, hashSeed: config.textEncoder.hashSeed },
  lastRun: { steps: result.stepsThisRun, wallSeconds: Math.round(result.seconds), cpuSeconds: Math.round(result.cpuSeconds), resumedAt: result.resumedAt },
  lossEvery25Steps: curve(result.losses, 25), validation: result.validation, emaValidationLoss: emaValidation,
  sampleSheet: { file: 'samples.png', captions: sheetCaptions },
});
console.log(`transformer done: EMA validation loss ${emaValidation.toFixed(5)}; wrote ${out}`);
process.exit(0);

/** Flow-matching loss on the held-out validation scenes at fixed noise and evenly spread sigmas (no training randomness used). */
async function validationLoss(): Promise<number> {
  const n = val.captions.length;
  const l = tc.noGrad(() => tc.tidy(() => {
    const x0 = tc.tensor(val.latents, [n, c, h, w]);
    const noise = tc.randn(x0.shape, { seed: 31337 });
    const sigmas = Array.from({ length: n }, (_, i) => (i + 0.5) / n);
    const v = pipeline.velocity(noisyInput(x0, noise, sigmas), tc.tensor(sigmas, [n]), pipeline.encodePrompt(val.captions));
    return v.sub(velocityTarget(x0, noise)).square().mean();
  }));
  const value = await l.item();
  l.dispose();
  return value;
}

function curve(losses: number[], window: number): number[] {
  const outList: number[] = [];
  for (let i = 0; i < losses.length; i += window) {
    const part = losses.slice(i, i + window);
    outList.push(Number((part.reduce((a, b) => a + b, 0) / part.length).toFixed(5)));
  }
  return outList;
}

async function writeLog(name: string, body: Record<string, unknown>): Promise<void> {
  await tc.writeFileAtomic(join(out, name), `${JSON.stringify(body, null, 2)}\n`);
}

function castAll(module: tc.Module): Record<string, tc.Tensor> {
  return Object.fromEntries(module.namedParameters().map(([n, p]) => [n, tc.noGrad(() => tc.cast(p, recipe.storageDType))]));
}

async function roundToStorage(module: tc.Module): Promise<void> {
  tc.noGrad(() => {
    for (const [, p] of module.namedParameters()) p.assign(tc.cast(tc.cast(p, recipe.storageDType), 'f32'));
  });
}

async function loadInto(module: tc.Module, path: string): Promise<void> {
  const reader = await tc.readSafetensors(path);
  const state = await reader.readAll();
  await reader.close();
  const f32 = tc.noGrad(() => Object.fromEntries(Object.entries(state).map(([k, t]) => [k, tc.cast(t, 'f32')])));
  module.loadStateDict(f32, { source: path });
}

async function fileDigest(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex').slice(0, 16);
}
