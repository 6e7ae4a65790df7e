import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AdamW, EMA, clipGradNorm, type Generator, type LrSchedule, type Parameter, type Tensor } from '@loraflow/tensor-core';
import { DivergenceGuard } from './divergence-guard.js';
import { movingAverage } from './loss-curve.js';
import { checkpointExists, loadTrainingCheckpoint, saveTrainingCheckpoint, type TrainingState } from './training-checkpoint.js';
import type { TrainingProgress } from './training-progress.js';
import { recipeMismatch } from './training-recipe.js';
import { TrainerError, TrainingDivergedError } from './trainer-error.js';

/** What any optimizer-driven run needs, whatever the model (LoRA on a denoiser, an Image-to-LoRA network, ...). */
export interface TrainingRunOptions {
  /** Parameters to train, by name (checkpoint keys). */
  named: [string, Parameter][];
  outputDir: string;
  /** Optimizer steps of the whole run. */
  steps: number;
  learningRate: number;
  weightDecay: number;
  /** Multiplier of learningRate at a step. */
  schedule: LrSchedule;
  /** Whether the schedule depends on `steps` (then extending a run would change steps already taken). */
  scheduleUsesSteps: boolean;
  /** Micro-batches per optimizer step. */
  gradientAccumulation: number;
  /** Gradient clipping (0 = off). */
  maxGradNorm: number;
  /** EMA decay of the parameters (0 = off). */
  emaDecay: number;
  divergenceFactor: number;
  /** Random streams whose offsets the checkpoint carries, by name. */
  streams: Record<string, Generator>;
  /** The config keys that change the numbers; a resume with other values is refused naming the key. */
  recipe: Record<string, unknown>;
  /** Digest to compare with checkpoints written before recipes were stored. */
  legacyDigest?: string;
  /** Continue from the checkpoint in outputDir when it exists. */
  resume: boolean;
}

/** File names a training run writes into its output folder. */
export const RUN_FILES = {
  checkpoint: 'checkpoint.safetensors',
  /** One JSON object per step: step, loss, lr, grad_norm, seconds. */
  stepLog: 'train-log.jsonl',
} as const;

/** One line of the per-step JSONL log. */
export interface StepLogLine {
  step: number;
  loss: number;
  lr: number;
  /** Gradient norm before clipping (null when clipping is off). */
  grad_norm: number | null;
  /** Wall seconds of this step. */
  seconds: number;
}

/**
 * The model-independent half of training: AdamW, EMA, LR schedule, clipping, divergence guard, checkpoints that
 * resume exactly, the JSONL step log and a stop request that lets the current step finish.
 */
export class TrainingRun {
  readonly params: Parameter[];
  readonly optimizer: AdamW;
  readonly ema: EMA | null;
  readonly checkpointPath: string;
  readonly stepLogPath: string;
  /** Loss of every completed step (including those before a resume). */
  readonly losses: number[];
  /** Step this process resumed from (0 for a fresh run). */
  resumedFrom: number;
  /** Steps completed so far. */
  step: number;
  /** Step of the last checkpoint on disk (null before the first). */
  lastCheckpointStep: number | null;
  private readonly guard: DivergenceGuard;
  private readonly started = performance.now();
  private stopReason: string | null = null;

  private constructor(readonly options: TrainingRunOptions) {
    this.params = options.named.map(([, p]) => p);
    this.optimizer = new AdamW(this.params, { lr: options.learningRate, weightDecay: options.weightDecay });
    this.ema = options.emaDecay > 0 ? new EMA(this.params, options.emaDecay) : null;
    this.checkpointPath = join(options.outputDir, RUN_FILES.checkpoint);
    this.stepLogPath = join(options.outputDir, RUN_FILES.stepLog);
    this.losses = [];
    this.step = 0;
    this.resumedFrom = 0;
    this.lastCheckpointStep = null;
    this.guard = new DivergenceGuard(options.divergenceFactor);
  }

  /** Creates the optimizer state and, when resuming, restores it from the checkpoint (refusing a recipe that would make the result wrong). */
  static async open(options: TrainingRunOptions): Promise<TrainingRun> {
    await mkdir(options.outputDir, { recursive: true });
    const run = new TrainingRun(options);
    if (options.resume && (await checkpointExists(run.checkpointPath))) {
      const state = await loadTrainingCheckpoint(run.checkpointPath, { params: options.named, optimizer: run.optimizer, ema: run.ema });
      const mismatch = recipeMismatch(state, options.recipe, options.legacyDigest);
      if (mismatch) {
        run.dispose();
        throw new TrainerError(`${run.checkpointPath}: ${mismatch}; use another output_dir or delete the checkpoint`);
      }
      if (state.step > options.steps) {
        run.dispose();
        throw new TrainerError(`${run.checkpointPath}: key "steps" is ${options.steps}, but the checkpoint has already done ${state.step} steps; expected steps >= ${state.step}`);
      }
      const oldSteps = state.recipe?.steps;
      if (options.scheduleUsesSteps && typeof oldSteps === 'number' && oldSteps !== options.steps) {
        run.dispose();
        throw new TrainerError(`${run.checkpointPath}: key "steps" changed from ${oldSteps} to ${options.steps}, which reshapes the learning-rate schedule of the ${state.step} steps already taken; keep steps ${oldSteps}, or use a schedule that does not depend on steps (constant, constant_with_warmup)`);
      }
      for (const [name, g] of Object.entries(options.streams)) g.setOffset(state.rngOffsets[name] ?? 0);
      run.losses.push(...state.losses);
      for (const l of state.losses) run.guard.observe(l);
      run.resumedFrom = state.step;
      run.step = state.step;
      run.lastCheckpointStep = state.step;
      await run.trimStepLog(state.step);
    } else {
      await writeFile(run.stepLogPath, '');
    }
    return run;
  }

  /** Asks the run to stop after the step in progress (the caller then checkpoints); a reason for the message. */
  requestStop(reason: string): void {
    this.stopReason ??= reason;
  }

  /** Why the run was asked to stop, or null. */
  get stopRequested(): string | null {
    return this.stopReason;
  }

  /**
   * One optimizer step: sums `microBatchLoss(g)` over the accumulation window (each call runs its own backward and
   * returns the unscaled loss), clips, checks divergence, steps AdamW and the EMA, appends the step log.
   */
  async trainStep(microBatchLoss: (globalMicroBatch: number) => Promise<Tensor>): Promise<TrainingProgress> {
    const o = this.options;
    const t0 = performance.now();
    const step = this.step;
    const lr = o.learningRate * o.schedule(step);
    this.optimizer.lr = lr;
    let lossSum = 0;
    for (let a = 0; a < o.gradientAccumulation; a++) {
      const l = await microBatchLoss(step * o.gradientAccumulation + a);
      lossSum += await l.item();
      l.dispose();
    }
    const loss = lossSum / o.gradientAccumulation;
    const normT = o.maxGradNorm > 0 ? clipGradNorm(this.params, o.maxGradNorm) : null;
    const gradNorm = normT ? await normT.item() : NaN;
    normT?.dispose();
    const verdict = this.guard.check(loss, normT ? gradNorm : 0);
    if (verdict) {
      this.optimizer.zeroGrad();
      const keepMsg = this.lastCheckpointStep !== null ? `the last good checkpoint ${this.checkpointPath} (step ${this.lastCheckpointStep}) is kept` : 'no checkpoint had been written yet';
      throw new TrainingDivergedError(`training diverged at step ${step + 1}: ${verdict}; stopped before the update; ${keepMsg}. Lower learning_rate or set max_grad_norm.`, step + 1, this.lastCheckpointStep);
    }
    this.optimizer.step();
    this.optimizer.zeroGrad();
    this.ema?.update();
    this.losses.push(loss);
    this.guard.observe(loss);
    this.step = step + 1;
    const seconds = (performance.now() - t0) / 1000;
    const line: StepLogLine = { step: this.step, loss, lr, grad_norm: normT ? gradNorm : null, seconds };
    await appendFile(this.stepLogPath, `${JSON.stringify(line)}\n`);
    const elapsed = (performance.now() - this.started) / 1000;
    const rate = elapsed / (this.step - this.resumedFrom);
    return { step: this.step, steps: o.steps, loss, smoothLoss: movingAverage(this.losses.slice(-20), 20).at(-1)!, lr, gradNorm, elapsedSeconds: elapsed, etaSeconds: rate * (o.steps - this.step) };
  }

  /** Writes the checkpoint (atomically) for the steps completed so far. */
  async saveCheckpoint(): Promise<void> {
    const rngOffsets = Object.fromEntries(Object.entries(this.options.streams).map(([k, g]) => [k, g.getOffset()]));
    const state: TrainingState = { step: this.step, rngOffsets, losses: this.losses, configDigest: '', recipe: this.options.recipe };
    await saveTrainingCheckpoint(this.checkpointPath, { params: this.options.named, optimizer: this.optimizer, ema: this.ema, state });
    this.lastCheckpointStep = this.step;
  }

  /** Frees the optimizer moments and EMA shadows. */
  dispose(): void {
    this.optimizer.dispose();
    this.ema?.dispose();
  }

  // Steps logged after the checkpoint were lost with the process that ran them: the log restarts from the checkpoint.
  private async trimStepLog(step: number): Promise<void> {
    let text = '';
    try {
      text = await readFile(this.stepLogPath, 'utf8');
    } catch {
      // No log yet (a checkpoint from before the log existed): start one.
    }
    const kept = text.split('\n').filter((line) => {
      if (!line.trim()) return false;
      try {
        return (JSON.parse(line) as StepLogLine).step <= step;
      } catch {
        return false; // a line cut by a kill mid-write
      }
    });
    const tmp = `${this.stepLogPath}.tmp`;
    await writeFile(tmp, kept.map((l) => `${l}\n`).join(''));
    await rename(tmp, this.stepLogPath);
  }
}
