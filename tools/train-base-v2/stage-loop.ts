/**
 * A resumable training stage: AdamW with warm-up + cosine, gradient clipping, optional EMA, a progress bar with ETA,
 * a checkpoint every few minutes (trainer's atomic checkpoint file: parameters, AdamW moments, EMA shadows, step,
 * losses) and bit-exact resume after a kill: every random draw of step k comes from streams seeded by (seed, k), so
 * nothing but the checkpointed tensors and the step number is needed to continue exactly.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import * as tc from '../../packages/tensor-core/src/index.ts';
import { seededUniform } from '../../packages/flow-samplers/src/index.ts';
import { checkpointExists, loadTrainingCheckpoint, saveTrainingCheckpoint, trainingProgressBar } from '../../packages/trainer/src/index.ts';

/** Optimizer and bookkeeping settings of one stage. */
export interface StageSettings {
  steps: number;
  lr: number;
  warmup: number;
  /** Final learning rate as a fraction of lr (cosine decay). */
  minLrRatio: number;
  weightDecay: number;
  /** EMA decay, or null for none. */
  emaDecay: number | null;
  clip: number;
  seed: number;
}

/** The per-step random streams (fresh for every step, so a resumed step draws exactly what it would have). */
export interface StepRandom {
  generator: tc.Generator;
  uniform: () => number;
}

/** What a stage run needs besides its settings. */
export interface StageRun {
  name: string;
  settings: StageSettings;
  params: readonly [string, tc.Parameter][];
  /** The checkpoint file (outside any git tree); resumed from when present and its digest matches. */
  checkpointPath: string;
  /** Identifies the recipe; a checkpoint written under another digest is refused. */
  digest: string;
  checkpointSeconds: number;
  /** Builds the step's loss (called inside a tidy scope, autograd on). */
  loss(step: number, random: StepRandom): tc.Tensor;
  /** A deterministic validation loss, evaluated every `validateEvery` steps and at the end. */
  validate?: () => Promise<number>;
  validateEvery?: number;
  /** Stop after this step (for the kill/resume check and for splitting a run); default: all steps. */
  stopAfter?: number;
}

/** The stage's history (restored across resumes). */
export interface StageResult {
  losses: number[];
  validation: { step: number; loss: number }[];
  /** Steps this process ran, and its wall / process CPU seconds. */
  stepsThisRun: number;
  seconds: number;
  cpuSeconds: number;
  resumedAt: number | null;
  done: boolean;
}

/** The seed of step `step`'s streams: a 32-bit mix of the stage seed and the step. */
export function stepSeed(seed: number, step: number): number {
  return (Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) ^ Math.imul(step + 1, 0x85ebca6b)) >>> 0;
}

/** Runs (or resumes) a stage; returns its loss history. The EMA, if any, is left for the caller to copy in. */
export async function runStage(run: StageRun, ema?: { ema: tc.EMA | null }): Promise<StageResult> {
  const o = run.settings;
  const params = run.params.map(([, p]) => p);
  const opt = new tc.AdamW(params, { lr: o.lr, weightDecay: o.weightDecay });
  const avg = o.emaDecay === null ? null : new tc.EMA(params, o.emaDecay);
  const schedule = tc.cosineSchedule(o.steps, o.warmup, o.minLrRatio);
  const bar = trainingProgressBar({ label: run.name, everyLines: 10 });
  let losses: number[] = [];
  let validation: { step: number; loss: number }[] = [];
  let start = 0;
  let resumedAt: number | null = null;
  if (await checkpointExists(run.checkpointPath)) {
    const state = await loadTrainingCheckpoint(run.checkpointPath, { params: run.params, optimizer: opt, ema: avg });
    if (state.configDigest !== run.digest) {
      throw new Error(`${run.checkpointPath}: checkpoint of recipe ${state.configDigest}, this run is ${run.digest}; delete it or use another --state folder`);
    }
    start = state.step;
    losses = state.losses;
    // The validation history sits beside the checkpoint, written just before it; keep what the checkpoint covers.
    const history = await readFile(`${run.checkpointPath}.validation.json`, 'utf8').then((t) => JSON.parse(t) as typeof validation, () => []);
    validation = history.filter((v) => v.step <= start);
    resumedAt = start;
    bar.onEvent({ kind: 'resume', step: start, path: run.checkpointPath, message: `resumed at step ${start} from ${run.checkpointPath}` });
  }
  const save = async (step: number) => {
    await mkdir(dirname(run.checkpointPath), { recursive: true });
    await tc.writeFileAtomic(`${run.checkpointPath}.validation.json`, JSON.stringify(validation));
    // Per-step seeding leaves no generator offsets to save.
    await saveTrainingCheckpoint(run.checkpointPath, { params: run.params, optimizer: opt, ema: avg, state: { step, rngOffsets: {}, losses, configDigest: run.digest } });
  };
  const stop = Math.min(run.stopAfter ?? o.steps, o.steps);
  const t0 = performance.now(), c0 = process.cpuUsage();
  let lastSave = performance.now();
  for (let step = start; step < stop; step++) {
    tc.applySchedule(opt, o.lr, schedule, step);
    const seed = stepSeed(o.seed, step);
    const random = { generator: new tc.Generator(seed), uniform: seededUniform(seed) };
    const [loss, norm] = tc.tidy(() => {
      const l = run.loss(step, random);
      l.backward();
      const n = tc.clipGradNorm(params, o.clip);
      opt.step();
      opt.zeroGrad();
      return [l, n];
    });
    const value = await loss.item();
    const gradNorm = await norm.item();
    loss.dispose();
    norm.dispose();
    if (!Number.isFinite(value)) throw new Error(`${run.name} diverged at step ${step + 1} (loss ${value})`);
    avg?.update();
    losses.push(value);
    if (run.validate && run.validateEvery && ((step + 1) % run.validateEvery === 0 || step + 1 === o.steps)) {
      const v = await run.validate();
      validation.push({ step: step + 1, loss: v });
      bar.onEvent({ kind: 'preview', step: step + 1, message: `validation loss ${v.toFixed(5)} at step ${step + 1}` });
    }
    const elapsed = (performance.now() - t0) / 1000;
    const recent = losses.slice(-20);
    bar.onStep({
      step: step + 1, steps: o.steps, loss: value, smoothLoss: recent.reduce((a, b) => a + b, 0) / recent.length, lr: opt.lr, gradNorm,
      elapsedSeconds: elapsed, etaSeconds: (elapsed / (step + 1 - start)) * (o.steps - step - 1),
    });
    if (performance.now() - lastSave > run.checkpointSeconds * 1000 || step + 1 === stop) {
      await save(step + 1);
      lastSave = performance.now();
      bar.onEvent({ kind: 'checkpoint', step: step + 1, path: run.checkpointPath, message: `checkpoint at step ${step + 1}` });
    }
  }
  bar.stop();
  const cpu = process.cpuUsage(c0);
  opt.dispose();
  if (ema) ema.ema = avg;
  else avg?.dispose();
  return {
    losses, validation, stepsThisRun: stop - start, seconds: (performance.now() - t0) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6,
    resumedAt, done: stop === o.steps,
  };
}
