/** What the trainer reports after every optimizer step. */
export interface TrainingProgress {
  /** Steps completed (1-based after the first step). */
  step: number;
  steps: number;
  /** Mean loss over the step's micro-batches. */
  loss: number;
  /** Moving average of the loss over the last 20 steps. */
  smoothLoss: number;
  lr: number;
  /** Gradient norm before clipping. */
  gradNorm: number;
  /** Seconds since this process started training (a resumed run counts from the resume). */
  elapsedSeconds: number;
  /** Estimated seconds left, from this process's rate. */
  etaSeconds: number;
}

/** Events besides steps: dataset notes, resume, checkpoint, preview, final save, a stop on request. */
export interface TrainingEvent {
  kind: 'dataset' | 'resume' | 'checkpoint' | 'preview' | 'saved' | 'cache' | 'stopped';
  step: number;
  path?: string;
  message: string;
}
