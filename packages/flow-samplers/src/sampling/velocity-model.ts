import type { Tensor } from '@loraflow/tensor-core';

/** Which conditioning a model call evaluates: the positive prompt, the negative prompt, or an unguided call. */
export type Branch = 'pos' | 'neg';

/** Per-call context handed to the model, so one model function can switch LoRA multipliers between CFG branches. */
export interface ModelCall {
  /** The conditioning branch being evaluated. */
  branch: Branch;
  /** LoRA multiplier the caller asked for on this branch (1 unless set in the guidance options). */
  loraScale: number;
}

/**
 * A flow-matching velocity model v(x, sigma, cond) ~ noise - x0, where x = (1 - sigma) x0 + sigma noise.
 * `sigma` is in [0, 1]; Qwen-Image's transformer takes it as `timestep / 1000`. The returned tensor is
 * owned by the caller (samplers dispose it once used).
 */
export type VelocityModel<C = unknown> = (x: Tensor, sigma: number, cond: C, call?: ModelCall) => Tensor | Promise<Tensor>;

/** What a sampler reports after each step; the tensors are valid only during the callback (copy them to keep them). */
export interface StepInfo {
  /** Step index, 0-based. */
  step: number;
  /** Number of steps in the schedule. */
  totalSteps: number;
  /** Sigma the step started from. */
  sigma: number;
  /** Sigma the step ended at. */
  sigmaNext: number;
  /** The sample after the step (at sigmaNext). */
  x: Tensor;
  /** The step's prediction of the clean sample, x - sigma * v at the step's start (for previews). */
  denoised: Tensor;
}

/** Per-step callback for progress and previews; may be async. */
export type StepCallback = (info: StepInfo) => void | Promise<void>;
