import { access } from 'node:fs/promises';
import { noGrad, readSafetensors, writeSafetensors, type AdamW, type EMA, type Parameter, type Tensor } from '@loraflow/tensor-core';
import { TrainerError } from './trainer-error.js';

const STATE_KEY = 'loraflow_training_state';

/** The non-tensor part of a checkpoint: where the run is and how to continue every random stream. */
export interface TrainingState {
  /** Optimizer steps completed. */
  step: number;
  /** Generator offsets by stream name (noise, LoRA dropout). */
  rngOffsets: Record<string, number>;
  /** Loss of every completed step (for the loss curve after a resume). */
  losses: number[];
  /** Digest of the config of checkpoints written before `recipe` existed ('' since). */
  configDigest: string;
  /** The config keys that change the numbers, as the run used them (a resume names the ones that differ). */
  recipe?: Record<string, unknown>;
}

/** The tensors and state a checkpoint holds. */
export interface CheckpointParts {
  params: readonly [string, Parameter][];
  optimizer: AdamW;
  ema: EMA | null;
  state: TrainingState;
}

/**
 * Writes one safetensors file (temp file + rename, so a kill leaves the previous checkpoint intact) holding the
 * trainable LoRA parameters, AdamW moments, EMA shadows and, in its metadata, the step, RNG offsets and losses.
 */
export async function saveTrainingCheckpoint(path: string, parts: CheckpointParts): Promise<void> {
  const tensors: Record<string, Tensor> = {};
  for (const [name, p] of parts.params) tensors[`lora.${name}`] = p;
  const opt = parts.optimizer.state();
  opt.moments.forEach(({ m, v }, i) => {
    tensors[`optimizer.m.${i}`] = m;
    tensors[`optimizer.v.${i}`] = v;
  });
  parts.ema?.averages().forEach((t, i) => (tensors[`ema.${i}`] = t));
  await writeSafetensors(path, tensors, { [STATE_KEY]: JSON.stringify({ ...parts.state, optimizerStep: opt.step }) });
}

/** Whether a checkpoint file exists. */
export async function checkpointExists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

/** Restores parameters, optimizer moments and EMA shadows from a checkpoint in place and returns its state. */
export async function loadTrainingCheckpoint(path: string, parts: Omit<CheckpointParts, 'state'>): Promise<TrainingState> {
  const reader = await readSafetensors(path);
  try {
    const raw = reader.metadata[STATE_KEY];
    if (!raw) throw new TrainerError(`${path}: not a training checkpoint (no "${STATE_KEY}" metadata)`);
    const state = JSON.parse(raw) as TrainingState & { optimizerStep: number };
    const all = await reader.readAll();
    const take = (key: string, like: Tensor): Tensor => {
      const t = all[key];
      if (!t) throw new TrainerError(`${path}: checkpoint has no tensor "${key}"; was it written for another LoRA setup?`);
      if (t.shape.join(',') !== like.shape.join(',')) throw new TrainerError(`${path}: "${key}" has shape [${t.shape}], the model expects [${like.shape}]`);
      delete all[key];
      return t;
    };
    noGrad(() => {
      for (const [name, p] of parts.params) {
        const t = take(`lora.${name}`, p);
        p.assign(t);
        t.dispose();
      }
      const moments = parts.params.map(([, p], i) => ({ m: take(`optimizer.m.${i}`, p), v: take(`optimizer.v.${i}`, p) }));
      parts.optimizer.loadState({ step: state.optimizerStep, moments });
      parts.ema?.averages().forEach((s, i) => {
        const t = take(`ema.${i}`, s);
        s.assign(t);
        t.dispose();
      });
    });
    for (const t of Object.values(all)) t.dispose();
    return { step: state.step, rngOffsets: state.rngOffsets, losses: state.losses, configDigest: state.configDigest, recipe: state.recipe };
  } finally {
    await reader.close();
  }
}
