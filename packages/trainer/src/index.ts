export * from './sampling.js';
export { TRAINING_DEFAULTS, TIMESTEP_SAMPLINGS, LR_SCHEDULERS, resolveTrainingConfig, parseTrainingConfig, loadTrainingConfig, type TrainingConfig } from './training-config.js';
export { saveTrainingCheckpoint, loadTrainingCheckpoint, checkpointExists, type TrainingState, type CheckpointParts } from './training-checkpoint.js';
export { writeLossCurve } from './loss-curve.js';
export { trainingProgressBar, type TrainingProgressBar, type ProgressStream } from './training-progress-bar.js';
export { trainLora, configDigest, TRAINING_FILES, type TrainLoraOptions, type TrainLoraResult } from './train-lora.js';
