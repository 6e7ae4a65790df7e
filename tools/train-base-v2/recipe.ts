/** The base-v2 recipe: model sizes and every training setting in one place (chosen by measure-sizes.ts; see models/base-v2/README.md). */
import { DEFAULT_PIPELINE_CONFIG, type PipelineConfig } from '../../packages/flow-dit/src/index.ts';
import type { StageSettings } from './stage-loop.ts';

/**
 * Sizes: 128x128 images, x8 autoencoder to 16x16x16 latents (Qwen-Image's 16 channels at x8), patch 2 -> 64 image
 * tokens; MMDiT hidden 128 (4 heads x 32), depth 4. Wide channels only at low resolution keep the codec's step cheap.
 */
export const MODEL_V2: PipelineConfig = {
  transformer: { ...DEFAULT_PIPELINE_CONFIG.transformer, latentChannels: 16, depth: 4, heads: 4, headDim: 32 },
  vae: { inChannels: 3, latentChannels: 16, blockChannels: [16, 32, 64, 64], normGroups: 8, latentsMean: Array(16).fill(0), latentsStd: Array(16).fill(1) },
  textEncoder: { ...DEFAULT_PIPELINE_CONFIG.textEncoder },
  resolution: 128,
};

/** Training settings of both stages. */
export const RECIPE = {
  seed: 0,
  autoencoder: {
    optimizer: { steps: 2500, lr: 2e-3, warmup: 50, minLrRatio: 0.05, weightDecay: 0, emaDecay: null, clip: 1, seed: 1 } satisfies StageSettings,
    batch: 8,
    /** Random crops (the autoencoder is fully convolutional; 64 px crops cost a quarter of full 128 px images). */
    crop: 64,
    latentPenalty: 1e-3,
    latentNoise: 0.05,
    /** Fresh scenes every step (seed 1,000,000 + step, one per theme, all eight themes): unlimited data. */
    sceneSeedOffset: 1_000_000,
  },
  transformer: {
    optimizer: { steps: 2500, lr: 1e-3, warmup: 50, minLrRatio: 0.1, weightDecay: 0.01, emaDecay: 0.995, clip: 1, seed: 2 } satisfies StageSettings,
    batch: 16,
    captionDropout: 0.1,
    timestepSampling: { kind: 'logit-normal' as const, mean: 0, std: 1 },
    /** Scenes per training theme in the encoded latent pool (seeds 0..). */
    poolPerTheme: 600,
    validationPerTheme: 4,
    validationSeedOffset: 900_000,
    validateEvery: 250,
  },
  checkpointSeconds: 300,
  sheet: { samplesPerTheme: 3, steps: 20, cfg: 4, seed: 100, captionSeed: 100000 },
  storageDType: 'bf16' as const,
};

/** A tiny version for the smoke run and the kill/resume check. */
export function quickRecipe(): typeof RECIPE {
  const r = structuredClone(RECIPE);
  r.autoencoder.optimizer.steps = 4;
  r.autoencoder.batch = 2;
  r.autoencoder.crop = 32;
  r.transformer.optimizer.steps = 6;
  r.transformer.batch = 4;
  r.transformer.poolPerTheme = 2;
  r.transformer.validationPerTheme = 1;
  r.transformer.validateEvery = 3;
  r.sheet.samplesPerTheme = 1;
  r.sheet.steps = 2;
  return r;
}

/** The quick model: same shapes of code paths, tiny sizes (32 px). */
export function quickModel(): PipelineConfig {
  const m = structuredClone(MODEL_V2);
  m.vae.blockChannels = [8, 8, 8, 8];
  m.transformer.depth = 1;
  m.transformer.heads = 1;
  m.resolution = 32;
  return m;
}
