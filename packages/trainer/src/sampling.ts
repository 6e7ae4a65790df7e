/**
 * The trainer's browser-ready part (`@loraflow/trainer/sampling`): sampling a LoRA-adapted model with
 * every sampler and CFG mode, and rendering the loss curve. Nothing here touches files or Node
 * built-ins; the main entry adds training, checkpoints and config files, which need Node.
 */
export { TrainerError, TrainingDivergedError } from './trainer-error.js';
export type { LoraTrainableModel } from './lora-trainable-model.js';
export { SAMPLE_DEFAULTS, sampleImages, sampleImageTensor, samplingVelocity, imagesFromBatch, disposeDeep, type SampleImagesOptions } from './sample-images.js';
export { renderLossCurve, movingAverage, type LossCurveOptions } from './loss-curve.js';
export { DivergenceGuard } from './divergence-guard.js';
export type { TrainingProgress, TrainingEvent } from './training-progress.js';
