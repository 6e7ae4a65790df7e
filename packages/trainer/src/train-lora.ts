import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  Generator, checkOptions, concat, option, constantSchedule, cosineSchedule, keep, linearWarmupSchedule, noGrad, randn, tensor, tidy, writeFileAtomic,
  type LrSchedule, type Parameter, type Tensor,
} from '@loraflow/tensor-core';
import { noisyInput, sampleTrainingSigmas, velocityTarget, type TimestepSampling, weightedMseLoss } from '@loraflow/flow-samplers';
import { injectLora, saveLora, type ExtractLoraOptions, type LoraWriterOptions } from '@loraflow/lora-adapters';
import {
  SeededRandom, assignBuckets, bucketBatches, bucketKey, imageGrid, loadDatasetFolder, loadTrainingBatch, readItemSizes, writePng,
  type BucketAssignment, type DatasetItem, type GridCell, type SizedItem,
} from '@loraflow/datasets';
import { refuseDatasetErrors } from './dataset-gate.js';
import type { LoraTrainableModel } from './lora-trainable-model.js';
import { writeLossCurve } from './loss-curve.js';
import { probeTrainingMemory } from './memory-probe.js';
import { withModelDefaults } from './model-defaults.js';
import { disposeDeep, sampleImages } from './sample-images.js';
import { resolveTrainingConfig, type TrainingConfig } from './training-config.js';
import type { TrainingEvent, TrainingProgress } from './training-progress.js';
import { configDigest, trainingRecipe } from './training-recipe.js';
import { RUN_FILES, TrainingRun } from './training-run.js';
import { TrainerError } from './trainer-error.js';

/** Hooks and controls of a training run. */
export interface TrainLoraOptions {
  /** Called after every optimizer step. */
  onStep?: (p: TrainingProgress) => void;
  /** Called on dataset notes, resume, checkpoint, preview, final save and a requested stop. */
  onEvent?: (e: TrainingEvent) => void;
  /** Continue from `<output_dir>/checkpoint.safetensors` when it exists (default true). */
  resume?: boolean;
  /** Return after this many completed steps, as if the process were killed right after them (tests, time limits). */
  stopAfter?: number;
  /** On abort the step in progress finishes, then a checkpoint and the LoRA so far are written and the run returns. */
  signal?: AbortSignal;
}

/** What a finished (or stopped) run produced. */
export interface TrainLoraResult {
  /** Steps completed in total (including those before a resume). */
  step: number;
  losses: number[];
  /** Final LoRA file (live weights), or the LoRA so far when stopped by the signal; absent after `stopAfter`. */
  loraPath?: string;
  /** EMA twin of the final LoRA. */
  emaLoraPath?: string;
  checkpointPath: string;
  lossCurvePath?: string;
  /** JSONL log: one `{step, loss, lr, grad_norm, seconds}` object per step. */
  stepLogPath: string;
  /** Step this process resumed from (0 for a fresh run). */
  resumedFrom: number;
  /** True when the signal stopped the run before `steps`. */
  interrupted: boolean;
  /** Wall seconds this process spent training. */
  seconds: number;
}

/** File names inside output_dir. */
export const TRAINING_FILES = {
  checkpoint: RUN_FILES.checkpoint,
  stepLog: RUN_FILES.stepLog,
  lossCurve: 'loss-curve.png',
  losses: 'losses.json',
  samples: 'samples',
} as const;

/** How many images without a caption are named at the start of a run. */
const UNCAPTIONED_SHOWN = 3;

function timestepSampling(c: TrainingConfig): TimestepSampling {
  switch (c.timestep_sampling) {
    case 'uniform': return { kind: 'uniform' };
    case 'sigmoid': return { kind: 'sigmoid', scale: 1 };
    case 'logit_normal': return { kind: 'logit-normal', mean: 0, std: 1 };
    case 'shift': return { kind: 'shift', shift: c.discrete_flow_shift };
    case 'weighted': return { kind: 'weighted' };
  }
}

function lrSchedule(c: TrainingConfig): LrSchedule {
  switch (c.lr_scheduler) {
    case 'constant': return constantSchedule();
    case 'constant_with_warmup': return linearWarmupSchedule(c.lr_warmup_steps);
    case 'cosine': return cosineSchedule(c.steps, c.lr_warmup_steps);
  }
}

// Mixes the run seed with a step / micro-batch index so every per-step stream is a pure function of (seed, index):
// a resumed run draws exactly what the uninterrupted run drew.
function streamSeed(seed: number, index: number, salt: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35) ^ Math.imul(salt, 0x27d4eb2f);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  return (h ^ (h >>> 13)) >>> 0;
}

class EpochPlan {
  private epoch = -1;
  private batches: BucketAssignment[][] = [];
  readonly perEpoch: number;

  constructor(private readonly sizes: SizedItem[], private readonly assignments: BucketAssignment[], private readonly c: TrainingConfig) {
    this.perEpoch = bucketBatches(sizes, assignments, { batchSize: c.batch_size, seed: c.seed, epoch: 0 }).length;
  }

  /** The micro-batch with global index g (epoch-major order). */
  batch(g: number): BucketAssignment[] {
    const epoch = Math.floor(g / this.perEpoch);
    if (epoch !== this.epoch) {
      this.epoch = epoch;
      this.batches = bucketBatches(this.sizes, this.assignments, { batchSize: this.c.batch_size, seed: this.c.seed, epoch });
    }
    return this.batches[g % this.perEpoch];
  }
}

/** A LoRA run between setup and finish: the resolved config, the model with adapters, the data plan and the optimizer run. */
export interface LoraTraining<C = unknown> {
  readonly model: LoraTrainableModel<C>;
  /** The config with the model's defaults filled in. */
  readonly config: TrainingConfig;
  readonly run: TrainingRun;
  /** The steps this process runs to (config.steps, or fewer with `stopAfter`). */
  readonly stopAt: number;
  /** One micro-batch's flow-matching loss (backward already run, unscaled value returned). */
  readonly microBatchLoss: (globalMicroBatch: number) => Promise<Tensor>;
  readonly emit: (e: TrainingEvent) => void;
  readonly onStep?: (p: TrainingProgress) => void;
  /** Releases the latent cache, the optimizer state and the signal listener. */
  readonly dispose: () => void;
  readonly startedAt: number;
}

/**
 * Setup of a LoRA run: fills defaults from the model, lists the dataset (reporting uncaptioned images once), injects
 * adapters (linear_rank / conv_rank), probes the largest step for memory, opens (or resumes) the optimizer run and
 * caches latents.
 */
export async function setupLoraTraining<C>(model: LoraTrainableModel<C>, config: TrainingConfig, options: TrainLoraOptions = {}): Promise<LoraTraining<C>> {
  const startedAt = performance.now();
  checkOptions('trainLora', options, { onStep: option.function, onEvent: option.function, resume: option.boolean, stopAfter: option.integer({ min: 0 }), signal: option.object }, (m) => new TrainerError(m));
  // A config built in code gets the same checks (and defaults) as one read from a file.
  const c = withModelDefaults(model, resolveTrainingConfig(config, 'trainLora config'));
  if (!c.dataset) throw new TrainerError('config: key "dataset" is empty; expected an image + caption folder');
  const emit = (e: TrainingEvent) => options.onEvent?.(e);
  const items: DatasetItem[] = await loadDatasetFolder(c.dataset, {
    onSkipped: (paths) => emit({ kind: 'dataset', step: 0, path: c.dataset, message: `${paths.length} image${paths.length > 1 ? 's' : ''} in formats that are not read, left out: ${paths.slice(0, UNCAPTIONED_SHOWN).join(', ')}${paths.length > UNCAPTIONED_SHOWN ? `, and ${paths.length - UNCAPTIONED_SHOWN} more` : ''} (convert them to PNG)` }),
  });
  if (items.length === 0) throw new TrainerError(`${c.dataset}: no images found (expected .png/.jpg/.webp files with .txt captions)`);
  await refuseDatasetErrors(c);
  const uncaptioned = items.filter((it) => it.caption === undefined);
  if (uncaptioned.length > 0) {
    const shown = uncaptioned.slice(0, UNCAPTIONED_SHOWN).map((it) => it.relativePath).join(', ');
    const more = uncaptioned.length > UNCAPTIONED_SHOWN ? `, and ${uncaptioned.length - UNCAPTIONED_SHOWN} more` : '';
    emit({ kind: 'dataset', step: 0, path: c.dataset, message: `${uncaptioned.length} of ${items.length} images have no caption and train on the empty caption: ${shown}${more}` });
  }
  const sizes = await readItemSizes(items);
  const assignments = assignBuckets(sizes, c.resolution, { step: c.bucket_step });
  const plan = new EpochPlan(sizes, assignments, c);

  const loraGen = new Generator(streamSeed(c.seed, 0, 1));
  const noiseGen = new Generator(streamSeed(c.seed, 0, 2));
  injectLora(model.transformer, {
    rank: c.linear_rank,
    convRank: c.conv_rank || undefined,
    alpha: c.network_alpha,
    convAlpha: c.network_alpha && c.conv_rank ? c.network_alpha : undefined,
    include: c.target_modules.length ? c.target_modules.map((p) => new RegExp(p)) : undefined,
    generator: loraGen,
  });
  model.transformer.train();
  const named: [string, Parameter][] = model.transformer.namedParameters().filter(([, p]) => p.requiresGrad);
  const largest = assignments.reduce((a, b) => (b.bucket.width * b.bucket.height > a.bucket.width * a.bucket.height ? b : a));
  probeTrainingMemory(model, named.map(([, p]) => p), { batch: Math.min(c.batch_size, items.length), ...largest.bucket }, model.resolution);

  const run = await TrainingRun.open({
    named, outputDir: c.output_dir, steps: c.steps, learningRate: c.learning_rate, weightDecay: c.weight_decay, schedule: lrSchedule(c),
    scheduleUsesSteps: c.lr_scheduler === 'cosine', gradientAccumulation: c.gradient_accumulation, maxGradNorm: c.max_grad_norm,
    emaDecay: c.ema_decay, divergenceFactor: c.divergence_factor, streams: { lora: loraGen, noise: noiseGen }, recipe: trainingRecipe(c),
    legacyDigest: configDigest(c), resume: options.resume ?? true,
  });
  if (run.resumedFrom > 0) emit({ kind: 'resume', step: run.step, path: run.checkpointPath, message: `resumed from ${run.checkpointPath} at step ${run.step}` });
  const onAbort = () => run.requestStop('stop requested');
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort);

  // Latents of every (image, bucket) pair, encoded once: the autoencoder is frozen and the crop is fixed.
  const cache = new Map<string, Tensor>();
  const cacheKey = (a: BucketAssignment) => `${a.index}@${bucketKey(a.bucket)}`;
  const useCache = c.cache_latents && !c.flip_aug;
  if (useCache) {
    for (const a of assignments) {
      const b = await loadTrainingBatch(items, [a]);
      cache.set(cacheKey(a), keep(noGrad(() => tidy(() => model.encodeImages(b.pixels)))));
      b.pixels.dispose();
    }
    emit({ kind: 'cache', step: run.step, message: `cached latents of ${cache.size} image/bucket pairs` });
  }
  const sampling = timestepSampling(c);

  const microBatchLoss = async (g: number): Promise<Tensor> => {
    const batch = plan.batch(g);
    const rng = new SeededRandom(streamSeed(c.seed, g, 3));
    const caption = (text: string) => (c.caption_dropout > 0 && rng.next() < c.caption_dropout ? '' : text);
    let latents: Tensor;
    let captions: string[];
    if (useCache) {
      captions = batch.map((a) => caption(items[a.index].caption ?? ''));
      latents = batch.length === 1 ? cache.get(cacheKey(batch[0]))! : concat(batch.map((a) => cache.get(cacheKey(a))!), 0);
    } else {
      const loaded = await loadTrainingBatch(items, batch, { flip: c.flip_aug, random: () => rng.next(), caption });
      captions = loaded.captions;
      latents = noGrad(() => tidy(() => model.encodeImages(loaded.pixels)));
      loaded.pixels.dispose();
    }
    const sigmas = sampleTrainingSigmas(batch.length, sampling, streamSeed(c.seed, g, 4));
    const noise = randn(latents.shape, { generator: noiseGen });
    const loss = tidy(() => {
      const cond = noGrad(() => model.encodePrompt(captions));
      const xt = noisyInput(latents, noise, sigmas);
      const pred = model.velocity(xt, tensor(sigmas, [sigmas.length], { device: xt.device }), cond);
      const l = weightedMseLoss(pred, velocityTarget(latents, noise));
      const scaled = c.gradient_accumulation > 1 ? l.mul(1 / c.gradient_accumulation) : l;
      scaled.backward();
      disposeDeep(cond);
      return l;
    });
    noise.dispose();
    if (!(useCache && batch.length === 1)) latents.dispose();
    return loss;
  };

  const dispose = () => {
    options.signal?.removeEventListener('abort', onAbort);
    for (const t of cache.values()) t.dispose();
    run.dispose();
  };
  return { model, config: c, run, stopAt: Math.min(c.steps, options.stopAfter ?? c.steps), microBatchLoss, emit, onStep: options.onStep, dispose, startedAt };
}

function writeOptions(c: TrainingConfig, step: number): ExtractLoraOptions & LoraWriterOptions {
  return { format: c.output_format, dtype: c.dtype === 'f32' ? 'F32' : c.dtype === 'bf16' ? 'BF16' : 'F16', metadata: loraMetadata(c, step) };
}

// A checkpoint plus the LoRA as of that step (`<name>-stepNNNNNN.safetensors`); returns the LoRA path.
async function saveStep<C>(t: LoraTraining<C>): Promise<string> {
  const { config: c, run } = t;
  await run.saveCheckpoint();
  const stepPath = join(c.output_dir, `${c.output_name}-step${String(run.step).padStart(6, '0')}.safetensors`);
  await saveLora(t.model.transformer, stepPath, writeOptions(c, run.step));
  t.emit({ kind: 'checkpoint', step: run.step, path: run.checkpointPath, message: `step ${run.step}: checkpoint ${run.checkpointPath}, LoRA ${stepPath}` });
  return stepPath;
}

/** One optimizer step of a LoRA run, then the periodic checkpoint and preview it calls for. */
export async function loraTrainingStep<C>(t: LoraTraining<C>): Promise<TrainingProgress> {
  const { config: c, run } = t;
  const progress = await run.trainStep(t.microBatchLoss);
  t.onStep?.(progress);
  const done = run.step;
  if (c.save_every > 0 && done % c.save_every === 0 && done < c.steps) await saveStep(t);
  if (c.sample_every > 0 && done % c.sample_every === 0 && c.sample_prompts.length > 0) {
    const path = await writePreview(t.model, c, done);
    t.emit({ kind: 'preview', step: done, path, message: `step ${done}: preview ${path}` });
  }
  return progress;
}

/**
 * Ends a LoRA run. After the last step: checkpoint, final LoRA and its EMA twin, loss curve and losses.json. After a
 * stop request: checkpoint and the LoRA so far, with a message saying where. After `stopAfter`: nothing (as if killed).
 */
export async function finishLoraTraining<C>(t: LoraTraining<C>): Promise<TrainLoraResult> {
  const { config: c, run, model } = t;
  const result: TrainLoraResult = {
    step: run.step, losses: run.losses, checkpointPath: run.checkpointPath, stepLogPath: run.stepLogPath, resumedFrom: run.resumedFrom,
    interrupted: false, seconds: 0,
  };
  const writeCurve = async () => {
    result.lossCurvePath = join(c.output_dir, TRAINING_FILES.lossCurve);
    await writeLossCurve(result.lossCurvePath, run.losses);
    await writeFileAtomic(join(c.output_dir, TRAINING_FILES.losses), `${JSON.stringify({ steps: run.losses.length, losses: run.losses })}\n`);
  };
  if (run.step === c.steps) {
    await saveStep(t);
    result.loraPath = join(c.output_dir, `${c.output_name}.safetensors`);
    const opts = writeOptions(c, c.steps);
    await saveLora(model.transformer, result.loraPath, opts);
    if (run.ema) {
      result.emaLoraPath = join(c.output_dir, `${c.output_name}-ema.safetensors`);
      const live = run.params.map((p) => keep(noGrad(() => p.mul(1))));
      run.ema.copyTo();
      await saveLora(model.transformer, result.emaLoraPath, { ...opts, metadata: { ...opts.metadata, loraflow_ema_decay: String(c.ema_decay) } });
      noGrad(() => run.params.forEach((p, i) => p.assign(live[i])));
      live.forEach((x) => x.dispose());
    }
    await writeCurve();
    t.emit({ kind: 'saved', step: c.steps, path: result.loraPath, message: `saved ${result.loraPath}${result.emaLoraPath ? ` and ${result.emaLoraPath}` : ''}; loss curve ${result.lossCurvePath}; step log ${run.stepLogPath}` });
  } else if (run.stopRequested) {
    result.interrupted = true;
    result.loraPath = run.step > run.resumedFrom || run.lastCheckpointStep === null ? await saveStep(t) : join(c.output_dir, `${c.output_name}-step${String(run.step).padStart(6, '0')}.safetensors`);
    await writeCurve();
    t.emit({ kind: 'stopped', step: run.step, path: result.loraPath, message: `stopped at step ${run.step} of ${c.steps}: checkpoint ${run.checkpointPath}, LoRA so far ${result.loraPath}; run again to continue` });
  }
  result.seconds = (performance.now() - t.startedAt) / 1000;
  return result;
}

/**
 * Trains a LoRA on `model.transformer` with flow matching: setup (defaults from the model, adapters, memory probe,
 * resume), steps (bucketed batches, noised latents at sampled sigmas, velocity MSE, clipping, AdamW, EMA, checkpoints
 * and previews) until `steps` or a stop request, then finish (final files). Resumes exactly from a checkpoint.
 */
export async function trainLora<C>(model: LoraTrainableModel<C>, config: TrainingConfig, options: TrainLoraOptions = {}): Promise<TrainLoraResult> {
  const t = await setupLoraTraining(model, config, options);
  try {
    while (t.run.step < t.stopAt && !t.run.stopRequested) await loraTrainingStep(t);
    return await finishLoraTraining(t);
  } finally {
    t.dispose();
  }
}

function loraMetadata(c: TrainingConfig, step: number): Record<string, string> {
  return {
    ss_network_dim: String(c.linear_rank),
    ss_network_alpha: String(c.network_alpha || c.linear_rank),
    ss_steps: String(step),
    ss_learning_rate: String(c.learning_rate),
    ss_resolution: JSON.stringify(c.resolution),
    loraflow_conv_rank: String(c.conv_rank),
    loraflow_trainer: 'flowmatch-mse',
  };
}

async function writePreview<C>(model: LoraTrainableModel<C>, c: TrainingConfig, step: number): Promise<string> {
  const cells: GridCell[] = [];
  for (const [i, prompt] of c.sample_prompts.entries()) {
    const [image] = await sampleImages(model, { prompt, seed: c.sample_seed + i, steps: c.sample_steps, cfg: c.sample_cfg, sampler: c.sample_sampler });
    cells.push({ image, label: `${i + 1}` });
  }
  const dir = join(c.output_dir, TRAINING_FILES.samples);
  await mkdir(dir, { recursive: true });
  const path = join(dir, `step-${String(step).padStart(6, '0')}.png`);
  await writePng(path, await imageGrid(cells, { columns: Math.min(4, cells.length), cellWidth: 128, cellHeight: 128, labelScale: 2 }));
  return path;
}
