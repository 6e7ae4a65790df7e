/** A bad training config, dataset or checkpoint; the message names the file, key or step and what was expected. */
export class TrainerError extends Error {
  override name = 'TrainerError';
}

/** Training stopped because the loss or gradient stopped being finite or ran away; the last good checkpoint is kept. */
export class TrainingDivergedError extends TrainerError {
  override name = 'TrainingDivergedError';

  constructor(message: string, readonly step: number, readonly lastCheckpointStep: number | null) {
    super(message);
  }
}
