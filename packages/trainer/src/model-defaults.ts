import type { LoraTrainableModel } from './lora-trainable-model.js';
import type { TrainingConfig } from './training-config.js';
import { TrainerError } from './trainer-error.js';

/**
 * Fills the keys a config leaves to the model (`resolution`: the model's own side; `bucket_step`: its pixels per latent
 * patch) and checks the resolutions against the bucket step. Returns a new config.
 */
export function withModelDefaults(model: Pick<LoraTrainableModel, 'resolution' | 'bucketStep'>, config: TrainingConfig, where = 'config'): TrainingConfig {
  const c = structuredClone(config);
  if (c.bucket_step === 0) {
    if (!model.bucketStep) throw new TrainerError(`${where}: key "bucket_step" is not set and the model does not say its pixels per latent patch; set bucket_step`);
    c.bucket_step = model.bucketStep;
  }
  if (c.resolution.length === 0) {
    if (!model.resolution) throw new TrainerError(`${where}: key "resolution" is not set and the model does not say its resolution; set resolution`);
    c.resolution = [model.resolution];
  }
  const bad = c.resolution.find((r) => r < c.bucket_step || r % c.bucket_step !== 0);
  if (bad !== undefined) throw new TrainerError(`${where}: key "resolution" holds ${bad}, expected multiples of bucket_step ${c.bucket_step}`);
  return c;
}
