import { createHash } from 'node:crypto';
import type { TrainingConfig } from './training-config.js';
import type { TrainingState } from './training-checkpoint.js';

/**
 * Keys a run can change between resumes without making the result wrong: where and how files are written, previews,
 * logging, the divergence threshold, the latent cache, and `steps` (checked on its own: only a schedule that depends
 * on it, or fewer steps than already done, is refused).
 */
export const RESUMABLE_KEYS = [
  'model', 'dataset', 'output_dir', 'output_name', 'output_format', 'dtype', 'save_every', 'sample_every', 'sample_prompts',
  'sample_steps', 'sample_cfg', 'sample_sampler', 'sample_seed', 'divergence_factor', 'cache_latents',
] as const satisfies readonly (keyof TrainingConfig)[];

/** The keys of a resolved config that change the numbers, plus `steps` (stored in checkpoints, compared on resume). */
export function trainingRecipe(c: TrainingConfig): Record<string, unknown> {
  const out: Record<string, unknown> = { ...c };
  for (const k of RESUMABLE_KEYS) delete out[k];
  return out;
}

/** The pre-recipe checkpoints' digest: every key except file, preview and save settings. */
export function configDigest(c: TrainingConfig): string {
  const { output_dir: _o, sample_every: _se, sample_prompts: _sp, sample_steps: _ss, sample_cfg: _sc, sample_sampler: _sa, sample_seed: _sd, save_every: _sv, model: _m, dataset: _d, ...rest } = c;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex').slice(0, 16);
}

/** Why a checkpoint cannot continue under `recipe` (naming the keys), or null when it can. `steps` is left to the caller. */
export function recipeMismatch(state: TrainingState, recipe: Record<string, unknown>, legacyDigest?: string): string | null {
  if (!state.recipe) {
    return legacyDigest === undefined || state.configDigest === legacyDigest ? null : `checkpoint was written with a different recipe (digest ${state.configDigest}, this config ${legacyDigest})`;
  }
  const keys = [...new Set([...Object.keys(state.recipe), ...Object.keys(recipe)])].filter((k) => k !== 'steps');
  const changed = keys.filter((k) => JSON.stringify(state.recipe![k]) !== JSON.stringify(recipe[k]));
  if (changed.length === 0) return null;
  const what = changed.map((k) => `"${k}" ${JSON.stringify(state.recipe![k])} -> ${JSON.stringify(recipe[k])}`).join(', ');
  return `the checkpoint was trained with other values of key${changed.length > 1 ? 's' : ''} ${what}, which would make the continued run wrong`;
}
