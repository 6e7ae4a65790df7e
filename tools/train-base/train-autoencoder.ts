/** Stage (b): trains the convolutional autoencoder on random crops, then measures the per-channel latent mean/std. */
import * as tc from '../../packages/tensor-core/src/index.ts';
import type { FlowPipeline } from '../../packages/flow-dit/src/index.ts';
import { ProgressLog } from './progress-log.ts';
import type { SceneSet } from './scene-data.ts';

/** Autoencoder training settings. */
export interface AutoencoderTraining {
  steps: number;
  batch: number;
  /** Side of the random square crops the (fully convolutional) autoencoder trains on; cheaper than full images. */
  crop: number;
  lr: number;
  /** Weight of mean(z^2), keeping raw latents near unit scale. */
  latentPenalty: number;
  /** Std of the noise added to latents before decoding, so the decoder tolerates imperfect diffusion samples. */
  latentNoise: number;
  seed: number;
}

/** A batch [B, 3, crop, crop] of random crops (4-pixel aligned) of random images of the set. */
export function cropBatch(set: SceneSet, batch: number, crop: number, rng: () => number): tc.Tensor {
  const { size } = set;
  const n = set.captions.length;
  const out = new Float32Array(batch * 3 * crop * crop);
  for (let b = 0; b < batch; b++) {
    const img = Math.floor(rng() * n);
    const y0 = Math.floor(rng() * (size - crop + 1) / 4) * 4;
    const x0 = Math.floor(rng() * (size - crop + 1) / 4) * 4;
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < crop; y++) {
        const src = ((img * 3 + c) * size + y0 + y) * size + x0;
        out.set(set.pixels.subarray(src, src + crop), ((b * 3 + c) * crop + y) * crop);
      }
    }
  }
  return tc.tensor(out, [batch, 3, crop, crop]);
}

/** Trains pipeline.vae in place; returns the loss log. Sets config.vae.latentsMean / latentsStd from the data. */
export async function trainAutoencoder(pipeline: FlowPipeline, set: SceneSet, o: AutoencoderTraining): Promise<ProgressLog> {
  const vae = pipeline.vae;
  const gen = new tc.Generator(o.seed);
  const rng = tc.seededUniform(o.seed); // mulberry32: the stream the committed base model was trained with
  const opt = new tc.AdamW(vae.parameters(), { lr: o.lr, weightDecay: 0 });
  const schedule = tc.cosineSchedule(o.steps, Math.min(50, o.steps >> 3), 0.05);
  const log = new ProgressLog('autoencoder', o.steps);
  for (let step = 0; step < o.steps; step++) {
    tc.applySchedule(opt, o.lr, schedule, step);
    const loss = tc.tidy(() => {
      const x = cropBatch(set, o.batch, o.crop, rng);
      const z = vae.encoder.forward(x);
      const noisy = z.add(tc.randn(z.shape, { generator: gen }).mul(o.latentNoise));
      const recon = vae.decoder.forward(noisy);
      const l = recon.sub(x).square().mean().add(z.square().mean().mul(o.latentPenalty));
      l.backward();
      tc.clipGradNorm(vae.parameters(), 1);
      opt.step();
      opt.zeroGrad();
      return l;
    });
    log.step(step, await loss.item());
    loss.dispose();
  }
  opt.dispose();
  await measureLatentStats(pipeline, set);
  return log;
}

/** Per-channel mean and std of raw latents over the training images (Qwen-Image's latents_mean / latents_std). */
export async function measureLatentStats(pipeline: FlowPipeline, set: SceneSet): Promise<void> {
  const c = pipeline.config.vae.latentChannels;
  const sum = new Float64Array(c), sq = new Float64Array(c);
  let count = 0;
  const n = Math.min(set.captions.length, 256);
  const plane = 3 * set.size * set.size;
  for (let i = 0; i < n; i += 16) {
    const b = Math.min(16, n - i);
    const z = tc.noGrad(() => tc.tidy(() => pipeline.vae.encoder.forward(tc.tensor(set.pixels.slice(i * plane, (i + b) * plane), [b, 3, set.size, set.size]))));
    const data = (await z.data()) as Float32Array;
    const hw = z.shape[2] * z.shape[3];
    for (let k = 0; k < b; k++) for (let ch = 0; ch < c; ch++) for (let p = 0; p < hw; p++) {
      const v = data[(k * c + ch) * hw + p];
      sum[ch] += v;
      sq[ch] += v * v;
    }
    count += b * hw;
    z.dispose();
  }
  const mean = Array.from(sum, (s) => s / count);
  pipeline.config.vae.latentsMean = mean.map((m) => Number(m.toFixed(6)));
  pipeline.config.vae.latentsStd = Array.from(sq, (s, ch) => Number(Math.sqrt(Math.max(s / count - mean[ch] ** 2, 1e-8)).toFixed(6)));
}
