import type { PipelineConfig } from '../src/index.js';

/** A pipeline small enough for unit tests: 32x32 images, 8x8x4 latents, 16 image tokens. */
export function tinyConfig(): PipelineConfig {
  return {
    transformer: { patchSize: 2, latentChannels: 4, depth: 2, heads: 2, headDim: 8, mlpRatio: 2, textDim: 16, ropeAxes: [2, 2, 4], ropeTheta: 10000 },
    vae: { inChannels: 3, latentChannels: 4, blockChannels: [8, 8, 8], normGroups: 4, latentsMean: [0.1, -0.2, 0.3, 0], latentsStd: [1.5, 0.5, 1, 2] },
    textEncoder: { vocabSize: 64, hashSeed: 0, maxLength: 12, hidden: 16, layers: 2, heads: 2, intermediate: 24, ropeTheta: 10000 },
    resolution: 32,
  };
}
