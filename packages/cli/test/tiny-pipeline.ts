/** A flow-dit pipeline small enough to train a few steps in a test: 32x32 images, 8x8x4 latents. */
import type { PipelineConfig } from '@loraflow/flow-dit';

export const TINY: PipelineConfig = {
  transformer: { patchSize: 2, latentChannels: 4, depth: 1, heads: 2, headDim: 8, mlpRatio: 2, textDim: 16, ropeAxes: [2, 2, 4], ropeTheta: 10000 },
  vae: { inChannels: 3, latentChannels: 4, blockChannels: [8, 8, 8], normGroups: 4, latentsMean: [0, 0, 0, 0], latentsStd: [1, 1, 1, 1] },
  textEncoder: { vocabSize: 64, hashSeed: 0, maxLength: 12, hidden: 16, layers: 1, heads: 2, intermediate: 24, ropeTheta: 10000 },
  resolution: 32,
};
