/** Stage (c): flow-matching training of the MMDiT and the text encoder on autoencoder latents. */
import * as tc from '../../packages/tensor-core/src/index.ts';
import type { FlowPipeline } from '../../packages/flow-dit/src/index.ts';
import { noisyInput, sampleTrainingSigmas, seededUniform, velocityTarget, type TimestepSampling } from '../../packages/flow-samplers/src/index.ts';
import { ProgressLog } from './progress-log.ts';

/** Transformer training settings. */
export interface TransformerTraining {
  steps: number;
  batch: number;
  lr: number;
  warmup: number;
  weightDecay: number;
  emaDecay: number;
  /** Share of captions replaced by "" so the model also learns the unconditional velocity (for CFG). */
  captionDropout: number;
  timestepSampling: TimestepSampling;
  seed: number;
}

/** Normalized training latents [N, C, h, w] and their captions. */
export interface LatentSet {
  latents: Float32Array;
  shape: [number, number, number];
  captions: string[];
}

/**
 * DiT's adaLN-Zero start: every modulation and the output projection begin at zero, so each block starts as the
 * identity and the model as v = 0; from-scratch training converges much faster than from random gates.
 */
export function adaLnZeroInit(pipeline: FlowPipeline): void {
  const t = pipeline.transformer;
  const zeroed = [t.norm_out.linear, t.proj_out, ...t.transformer_blocks.items().flatMap((b) => [b.img_mod[1], b.txt_mod[1]])];
  tc.noGrad(() => {
    for (const m of zeroed) for (const p of m.parameters()) p.assign(tc.zerosLike(p));
  });
}

/** Trains transformer + text encoder in place (EMA weights are copied in at the end); returns the loss log. */
export async function trainTransformer(pipeline: FlowPipeline, data: LatentSet, o: TransformerTraining): Promise<ProgressLog> {
  const params = [...pipeline.transformer.parameters(), ...pipeline.textEncoder.parameters()];
  const opt = new tc.AdamW(params, { lr: o.lr, weightDecay: o.weightDecay });
  const ema = new tc.EMA(params, o.emaDecay);
  const schedule = tc.cosineSchedule(o.steps, o.warmup, 0.1);
  const gen = new tc.Generator(o.seed);
  const uniform = seededUniform(o.seed + 1);
  const [c, h, w] = data.shape;
  const per = c * h * w;
  const n = data.captions.length;
  const log = new ProgressLog('transformer', o.steps);
  for (let step = 0; step < o.steps; step++) {
    tc.applySchedule(opt, o.lr, schedule, step);
    const idx = Array.from({ length: o.batch }, () => Math.floor(uniform() * n));
    const sigmas = sampleTrainingSigmas(o.batch, o.timestepSampling, uniform);
    const captions = idx.map((i) => (uniform() < o.captionDropout ? '' : data.captions[i]));
    const x0Data = new Float32Array(o.batch * per);
    idx.forEach((i, b) => x0Data.set(data.latents.subarray(i * per, (i + 1) * per), b * per));
    const loss = tc.tidy(() => {
      const x0 = tc.tensor(x0Data, [o.batch, c, h, w]);
      const noise = tc.randn(x0.shape, { generator: gen });
      const xt = noisyInput(x0, noise, sigmas);
      const cond = pipeline.encodePrompt(captions);
      const v = pipeline.velocity(xt, tc.tensor(sigmas, [o.batch]), cond);
      // Plain MSE here: flow-samplers' weightedMseLoss runs in its own tidy scope, which (as of this commit) cuts the
      // autograd graph, so no gradient reaches the model.
      const l = v.sub(velocityTarget(x0, noise)).square().mean();
      l.backward();
      tc.clipGradNorm(params, 1);
      opt.step();
      opt.zeroGrad();
      return l;
    });
    const value = await loss.item();
    loss.dispose();
    if (!Number.isFinite(value)) throw new Error(`transformer training diverged at step ${step + 1} (loss ${value})`);
    ema.update();
    log.step(step, value, `lr ${opt.lr.toExponential(2)}`);
  }
  ema.copyTo();
  opt.dispose();
  return log;
}
