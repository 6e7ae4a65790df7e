import { mkdir } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import {
  AdamW, EMA, Generator, clipGradNorm, concat, constantSchedule, cosineSchedule, keep, linearWarmupSchedule, noGrad, randn, tensor, tidy, writeFileAtomic,
  type LrSchedule, type Parameter, type Tensor,
} from '@loraflow/tensor-core';
import { noisyInput, sampleTrainingSigmas, velocityTarget, type TimestepSampling, weightedMseLoss } from '@loraflow/flow-samplers';
import { injectLora, saveLora } from '@loraflow/lora-adapters';
import {
  SeededRandom, assignBuckets, bucketBatches, bucketKey, imageGrid, loadDatasetFolder, loadTrainingBatch, readItemSizes, writePng,
  type BucketAssignment, type DatasetItem, type GridCell, type SizedItem,
} from '@loraflow/datasets';
import { refuseDatasetErrors } from './dataset-gate.js';
import { DivergenceGuard } from './divergence-guard.js';
import type { LoraTrainableModel } from './lora-trainable-model.js';
import { writeLossCurve, movingAverage } from './loss-curve.js';
import { disposeDeep, sampleImages } from './sample-images.js';
import type { TrainingConfig } from './training-config.js';
import { checkpointExists, loadTrainingCheckpoint, saveTrainingCheckpoint, type TrainingState } from './training-checkpoint.js';
import type { TrainingEvent, TrainingProgress } from './training-progress.js';
import { TrainerError, TrainingDivergedError } from './trainer-error.js';

/** Hooks and controls of a training run. */
export interface TrainLoraOptions {
  /** Called after every optimizer step. */
  onStep?: (p: TrainingProgress) => void;
  /** Called on resume, checkpoint, preview and final save. */
  onEvent?: (e: TrainingEvent) => void;
  /** Continue from `<output_dir>/checkpoint.safetensors` when it exists (default true). */
  resume?: boolean;
  /** Return after this many completed steps, as if the process were killed right after them (tests, time limits). */
  stopAfter?: number;
  /** Stops between steps. */
  signal?: AbortSignal;
}

/** What a finished (or stopped) run produced. */
export interface TrainLoraResult {
  /** Steps completed in total (including those before a resume). */
  step: number;
  losses: number[];
  /** Final LoRA file (live weights) and its EMA twin; absent when stopped early. */
  loraPath?: string;
  emaLoraPath?: string;
  checkpointPath: string;
  lossCurvePath?: string;
  /** Step this process resumed from (0 for a fresh run). */
  resumedFrom: number;
  /** Wall seconds this process spent training. */
  seconds: number;
}

/** File names inside output_dir. */
export const TRAINING_FILES = {
  checkpoint: 'checkpoint.safetensors',
  lossCurve: 'loss-curve.png',
  losses: 'losses.json',
  samples: 'samples',
} as const;

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

/** A short digest of the keys that change the numbers (so a resume with another recipe is refused). */
export function configDigest(c: TrainingConfig): string {
  const { output_dir: _o, sample_every: _se, sample_prompts: _sp, sample_steps: _ss, sample_cfg: _sc, sample_sampler: _sa, sample_seed: _sd, save_every: _sv, model: _m, dataset: _d, ...rest } = c;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex').slice(0, 16);
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

/**
 * Trains a LoRA on `model.transformer` with flow matching: injects adapters (linear_rank / conv_rank), then per step
 * draws batches from aspect buckets, noises latents at sampled sigmas, regresses the velocity with MSE, clips,
 * steps AdamW, updates the EMA; checkpoints atomically, writes previews and a loss curve, resumes exactly.
 */
export async function trainLora<C>(model: LoraTrainableModel<C>, config: TrainingConfig, options: TrainLoraOptions = {}): Promise<TrainLoraResult> {
  const c = config;
  if (!c.dataset) throw new TrainerError('config: key "dataset" is empty; expected an image + caption folder');
  const t0 = performance.now();
  const emit = (e: TrainingEvent) => options.onEvent?.(e);
  const items: DatasetItem[] = await loadDatasetFolder(c.dataset);
  if (items.length === 0) throw new TrainerError(`${c.dataset}: no images found (expected .png/.jpg/.webp files with .txt captions)`);
  await refuseDatasetErrors(c);
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
  const params = named.map(([, p]) => p);
  const optimizer = new AdamW(params, { lr: c.learning_rate, weightDecay: c.weight_decay });
  const ema = c.ema_decay > 0 ? new EMA(params, c.ema_decay) : null;
  const schedule = lrSchedule(c);
  const sampling = timestepSampling(c);
  const digest = configDigest(c);
  await mkdir(c.output_dir, { recursive: true });
  const checkpointPath = join(c.output_dir, TRAINING_FILES.checkpoint);

  let state: TrainingState = { step: 0, rngOffsets: {}, losses: [], configDigest: digest };
  if ((options.resume ?? true) && (await checkpointExists(checkpointPath))) {
    state = await loadTrainingCheckpoint(checkpointPath, { params: named, optimizer, ema });
    if (state.configDigest !== digest) {
      throw new TrainerError(`${checkpointPath}: checkpoint was written with a different recipe (digest ${state.configDigest}, this config ${digest}); use another output_dir or delete the checkpoint`);
    }
    loraGen.setOffset(state.rngOffsets.lora ?? 0);
    noiseGen.setOffset(state.rngOffsets.noise ?? 0);
    emit({ kind: 'resume', step: state.step, path: checkpointPath, message: `resumed from ${checkpointPath} at step ${state.step}` });
  }
  const resumedFrom = state.step;
  const losses = [...state.losses];
  let lastCheckpointStep: number | null = resumedFrom > 0 ? resumedFrom : null;
  const guard = new DivergenceGuard(c.divergence_factor);
  for (const l of losses) guard.observe(l);

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
    emit({ kind: 'cache', step: state.step, message: `cached latents of ${cache.size} image/bucket pairs` });
  }

  const save = async (step: number) => {
    const ckState: TrainingState = { step, rngOffsets: { lora: loraGen.getOffset(), noise: noiseGen.getOffset() }, losses, configDigest: digest };
    await saveTrainingCheckpoint(checkpointPath, { params: named, optimizer, ema, state: ckState });
    lastCheckpointStep = step;
    const stepPath = join(c.output_dir, `${c.output_name}-step${String(step).padStart(6, '0')}.safetensors`);
    await saveLora(model.transformer, stepPath, { format: c.output_format, dtype: c.dtype === 'f32' ? 'F32' : c.dtype === 'bf16' ? 'BF16' : 'F16', metadata: loraMetadata(c, step) });
    emit({ kind: 'checkpoint', step, path: checkpointPath, message: `step ${step}: checkpoint ${checkpointPath}, LoRA ${stepPath}` });
  };

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

  const started = performance.now();
  const stopAt = Math.min(c.steps, options.stopAfter ?? c.steps);
  for (let step = state.step; step < stopAt; step++) {
    options.signal?.throwIfAborted();
    const lr = c.learning_rate * schedule(step);
    optimizer.lr = lr;
    let lossSum = 0;
    for (let a = 0; a < c.gradient_accumulation; a++) {
      const l = await microBatchLoss(step * c.gradient_accumulation + a);
      lossSum += await l.item();
      l.dispose();
    }
    const loss = lossSum / c.gradient_accumulation;
    const normT = c.max_grad_norm > 0 ? clipGradNorm(params, c.max_grad_norm) : null;
    const gradNorm = normT ? await normT.item() : NaN;
    normT?.dispose();
    const verdict = guard.check(loss, normT ? gradNorm : 0);
    if (verdict) {
      optimizer.zeroGrad();
      const keepMsg = lastCheckpointStep !== null ? `the last good checkpoint ${checkpointPath} (step ${lastCheckpointStep}) is kept` : 'no checkpoint had been written yet';
      throw new TrainingDivergedError(`training diverged at step ${step + 1}: ${verdict}; stopped before the update; ${keepMsg}. Lower learning_rate or set max_grad_norm.`, step + 1, lastCheckpointStep);
    }
    optimizer.step();
    optimizer.zeroGrad();
    ema?.update();
    losses.push(loss);
    guard.observe(loss);
    const done = step + 1;
    const elapsed = (performance.now() - started) / 1000;
    const rate = elapsed / (done - resumedFrom);
    options.onStep?.({ step: done, steps: c.steps, loss, smoothLoss: movingAverage(losses.slice(-20), 20).at(-1)!, lr, gradNorm, elapsedSeconds: elapsed, etaSeconds: rate * (c.steps - done) });
    if (c.save_every > 0 && done % c.save_every === 0 && done < c.steps) await save(done);
    if (c.sample_every > 0 && done % c.sample_every === 0 && c.sample_prompts.length > 0) {
      const path = await writePreview(model, c, done);
      emit({ kind: 'preview', step: done, path, message: `step ${done}: preview ${path}` });
    }
  }

  const finished = stopAt === c.steps;
  const result: TrainLoraResult = { step: Math.max(stopAt, state.step), losses, checkpointPath, resumedFrom, seconds: (performance.now() - t0) / 1000 };
  if (finished) {
    await save(c.steps);
    result.loraPath = join(c.output_dir, `${c.output_name}.safetensors`);
    const writeOpts = { format: c.output_format, dtype: c.dtype === 'f32' ? 'F32' : c.dtype === 'bf16' ? 'BF16' : 'F16', metadata: loraMetadata(c, c.steps) } as const;
    await saveLora(model.transformer, result.loraPath, writeOpts);
    if (ema) {
      result.emaLoraPath = join(c.output_dir, `${c.output_name}-ema.safetensors`);
      const live = params.map((p) => keep(noGrad(() => p.mul(1))));
      ema.copyTo();
      await saveLora(model.transformer, result.emaLoraPath, { ...writeOpts, metadata: { ...writeOpts.metadata, loraflow_ema_decay: String(c.ema_decay) } });
      noGrad(() => params.forEach((p, i) => p.assign(live[i])));
      live.forEach((t) => t.dispose());
    }
    result.lossCurvePath = join(c.output_dir, TRAINING_FILES.lossCurve);
    await writeLossCurve(result.lossCurvePath, losses);
    await writeFileAtomic(join(c.output_dir, TRAINING_FILES.losses), `${JSON.stringify({ steps: losses.length, losses })}\n`);
    emit({ kind: 'saved', step: c.steps, path: result.loraPath, message: `saved ${result.loraPath}${result.emaLoraPath ? ` and ${result.emaLoraPath}` : ''}; loss curve ${result.lossCurvePath}` });
  }
  for (const t of cache.values()) t.dispose();
  optimizer.dispose();
  ema?.dispose();
  result.seconds = (performance.now() - t0) / 1000;
  return result;
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
