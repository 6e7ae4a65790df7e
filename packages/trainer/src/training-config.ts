import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parse as parseToml } from 'smol-toml';
import { fromAiToolkitConfig, fromKohyaConfig, isAiToolkitConfig } from './foreign-config.js';
import { LORA_FORMATS, type LoraFormat } from '@loraflow/lora-adapters';
import { SAMPLERS, type SamplerName } from '@loraflow/flow-samplers';
import { TrainerError } from './trainer-error.js';

/** Timestep (sigma) sampling names as trainers spell them (musubi / ai-toolkit / SD3). */
export const TIMESTEP_SAMPLINGS = ['uniform', 'sigmoid', 'logit_normal', 'shift', 'weighted'] as const;
/** LR schedule names. */
export const LR_SCHEDULERS = ['constant', 'constant_with_warmup', 'cosine'] as const;

/**
 * A LoRA training run. Keys follow the style report's recipe (`linear_rank`, `conv_rank`, `batch_size`, ...)
 * and kohya / ai-toolkit names elsewhere; paths are relative to the config file.
 */
export interface TrainingConfig {
  /** Base model folder (the CLI loads it; the trainer API takes a loaded model). */
  model: string;
  /** Image + caption folder. */
  dataset: string;
  /** Where LoRA files, checkpoints, previews and the loss curve go. */
  output_dir: string;
  /** File stem of the saved LoRA (`<name>.safetensors`, `<name>-ema.safetensors`). */
  output_name: string;
  /** LoRA file layout. */
  output_format: LoraFormat;
  /** Rank of linear (and 1x1 conv) adapters. */
  linear_rank: number;
  /** Rank of k x k conv adapters (0 = linear_rank). */
  conv_rank: number;
  /** alpha (0 = rank, scale 1). */
  network_alpha: number;
  /** Module name patterns (regular expressions) to adapt; empty = every Linear / Conv2d of the denoiser. */
  target_modules: string[];
  batch_size: number;
  /** Optimizer steps. */
  steps: number;
  gradient_accumulation: number;
  /** Training resolutions; every image trains at each (aspect buckets per resolution). Empty = the model's own resolution. */
  resolution: number[];
  /** Bucket sides are multiples of this (0 = the model's autoencoder downsampling x patch size). */
  bucket_step: number;
  /** Only flow matching is implemented. */
  scheduler: 'flowmatch';
  /** Only MSE on the velocity is implemented. */
  loss: 'mse';
  /** Storage dtype of saved LoRA files; compute is f32 (bf16 autocast is not implemented on CPU). */
  dtype: 'f32' | 'bf16' | 'f16';
  /** EMA decay of the LoRA weights (0 = off); saved alongside as `<name>-ema.safetensors`. */
  ema_decay: number;
  learning_rate: number;
  lr_scheduler: (typeof LR_SCHEDULERS)[number];
  lr_warmup_steps: number;
  weight_decay: number;
  /** Gradient clipping (0 = off). */
  max_grad_norm: number;
  timestep_sampling: (typeof TIMESTEP_SAMPLINGS)[number];
  /** Shift for `timestep_sampling: shift` (musubi discrete_flow_shift). */
  discrete_flow_shift: number;
  /** Probability of training a sample on the empty caption. */
  caption_dropout: number;
  /** Mirror images left-right at random (disables the latent cache). */
  flip_aug: boolean;
  /** Encode every image once and reuse the latents. */
  cache_latents: boolean;
  seed: number;
  /** Checkpoint + LoRA every N steps (0 = only at the end). */
  save_every: number;
  /** Preview samples every N steps (0 = none). */
  sample_every: number;
  sample_prompts: string[];
  sample_steps: number;
  sample_cfg: number;
  /** A sampler of @loraflow/flow-samplers (euler, heun, midpoint, dpmpp-2m). */
  sample_sampler: SamplerName;
  sample_seed: number;
  /** Stop when the 20-step mean loss exceeds this multiple of its best value so far. */
  divergence_factor: number;
}

/** Defaults of every key (the report's recipe where it names one, scaled to a small model elsewhere). */
export const TRAINING_DEFAULTS = {
  model: '',
  dataset: '',
  output_dir: 'output',
  output_name: 'lora',
  output_format: 'kohya',
  linear_rank: 64,
  conv_rank: 16,
  network_alpha: 0,
  target_modules: [],
  batch_size: 2,
  steps: 6400,
  gradient_accumulation: 1,
  resolution: [],
  bucket_step: 0,
  scheduler: 'flowmatch',
  loss: 'mse',
  dtype: 'bf16',
  ema_decay: 0.99,
  learning_rate: 5e-5,
  lr_scheduler: 'constant',
  lr_warmup_steps: 0,
  weight_decay: 0.01,
  max_grad_norm: 1,
  timestep_sampling: 'sigmoid',
  discrete_flow_shift: 2.2,
  caption_dropout: 0.05,
  flip_aug: false,
  cache_latents: true,
  seed: 42,
  save_every: 0,
  sample_every: 0,
  sample_prompts: [],
  sample_steps: 20,
  sample_cfg: 4,
  sample_sampler: 'euler',
  sample_seed: 0,
  divergence_factor: 10,
} satisfies TrainingConfig;

// The report's own recipe spells it "ema_deacy"; accept it rather than reject the user's file.
const ALIASES: Record<string, keyof TrainingConfig> = { ema_deacy: 'ema_decay', network_dim: 'linear_rank', conv_dim: 'conv_rank', train_batch_size: 'batch_size', max_train_steps: 'steps', gradient_accumulation_steps: 'gradient_accumulation', lr: 'learning_rate' };

type Kind = 'string' | 'number' | 'integer' | 'boolean' | 'strings' | 'numbers';
const KINDS: Record<keyof TrainingConfig, Kind> = {
  model: 'string', dataset: 'string', output_dir: 'string', output_name: 'string', output_format: 'string',
  linear_rank: 'integer', conv_rank: 'integer', network_alpha: 'number', target_modules: 'strings',
  batch_size: 'integer', steps: 'integer', gradient_accumulation: 'integer', resolution: 'numbers', bucket_step: 'integer',
  scheduler: 'string', loss: 'string', dtype: 'string', ema_decay: 'number', learning_rate: 'number',
  lr_scheduler: 'string', lr_warmup_steps: 'integer', weight_decay: 'number', max_grad_norm: 'number',
  timestep_sampling: 'string', discrete_flow_shift: 'number', caption_dropout: 'number', flip_aug: 'boolean',
  cache_latents: 'boolean', seed: 'integer', save_every: 'integer', sample_every: 'integer', sample_prompts: 'strings',
  sample_steps: 'integer', sample_cfg: 'number', sample_sampler: 'string', sample_seed: 'integer', divergence_factor: 'number',
};
const CHOICES: Partial<Record<keyof TrainingConfig, readonly string[]>> = {
  output_format: LORA_FORMATS, scheduler: ['flowmatch'], loss: ['mse'], dtype: ['f32', 'bf16', 'f16'],
  lr_scheduler: LR_SCHEDULERS, timestep_sampling: TIMESTEP_SAMPLINGS, sample_sampler: Object.keys(SAMPLERS),
};

function closest(key: string): string | undefined {
  const keys = Object.keys(KINDS);
  const dist = (a: string, b: string) => {
    const d = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      let prev = d[0];
      d[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const t = d[j];
        d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
        prev = t;
      }
    }
    return d[b.length];
  };
  const best = keys.map((k) => [k, dist(key, k)] as const).sort((a, b) => a[1] - b[1])[0];
  return best && best[1] <= 3 ? best[0] : undefined;
}

function coerce(key: keyof TrainingConfig, value: unknown, where: string): unknown {
  const kind = KINDS[key];
  const bad = (expected: string) => new TrainerError(`${where}: key "${key}" is ${JSON.stringify(value)}, expected ${expected}`);
  const num = (v: unknown) => (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v);
  switch (kind) {
    case 'string': {
      if (typeof value !== 'string') throw bad('a string');
      const choices = CHOICES[key];
      if (choices && !choices.includes(value)) throw bad(`one of ${choices.join(', ')}`);
      return value;
    }
    case 'number':
    case 'integer': {
      // YAML 1.2 reads "5e-5" as a string; accept numeric strings.
      const v = num(value);
      if (typeof v !== 'number' || !Number.isFinite(v)) throw bad('a number');
      if (kind === 'integer' && !Number.isInteger(v)) throw bad('an integer');
      return v;
    }
    case 'boolean':
      if (typeof value !== 'boolean') throw bad('true or false');
      return value;
    case 'strings': {
      const list = typeof value === 'string' ? [value] : value;
      if (!Array.isArray(list) || list.some((s) => typeof s !== 'string')) throw bad('a list of strings');
      return list;
    }
    case 'numbers': {
      const list = (Array.isArray(value) ? value : [value]).map(num);
      if (list.some((v) => typeof v !== 'number' || !Number.isInteger(v))) throw bad('an integer or a list of integers');
      return list;
    }
  }
}

function checkRanges(c: TrainingConfig, where: string): void {
  const fail = (key: keyof TrainingConfig, expected: string) => {
    throw new TrainerError(`${where}: key "${key}" is ${JSON.stringify(c[key])}, expected ${expected}`);
  };
  for (const key of ['linear_rank', 'batch_size', 'steps', 'gradient_accumulation', 'sample_steps'] as const) if (c[key] < 1) fail(key, 'an integer >= 1');
  for (const key of ['conv_rank', 'lr_warmup_steps', 'save_every', 'sample_every', 'bucket_step'] as const) if (c[key] < 0) fail(key, 'an integer >= 0');
  if (c.network_alpha < 0) fail('network_alpha', 'a number >= 0 (0 = rank)');
  if (!(c.ema_decay >= 0 && c.ema_decay < 1)) fail('ema_decay', 'a number in [0, 1) (0 = off)');
  if (!(c.learning_rate > 0)) fail('learning_rate', 'a number > 0');
  if (c.weight_decay < 0) fail('weight_decay', 'a number >= 0');
  if (c.max_grad_norm < 0) fail('max_grad_norm', 'a number >= 0 (0 = off)');
  if (!(c.discrete_flow_shift > 0)) fail('discrete_flow_shift', 'a number > 0');
  if (!(c.caption_dropout >= 0 && c.caption_dropout <= 1)) fail('caption_dropout', 'a probability in [0, 1]');
  if (!(c.sample_cfg >= 1)) fail('sample_cfg', 'a number >= 1 (1 = no guidance)');
  if (!(c.divergence_factor > 1)) fail('divergence_factor', 'a number > 1');
  if (c.resolution.some((r) => r < 1)) fail('resolution', 'positive integers (or none: the model\'s own resolution)');
  if (c.bucket_step > 0 && c.resolution.some((r) => r < c.bucket_step || r % c.bucket_step !== 0)) fail('resolution', `multiples of bucket_step ${c.bucket_step}`);
  if (c.output_name === '' || /[\\/]/.test(c.output_name)) fail('output_name', 'a file stem without slashes');
  for (const p of c.target_modules) {
    try {
      new RegExp(p);
    } catch {
      fail('target_modules', `valid regular expressions (${JSON.stringify(p)} is not)`);
    }
  }
}

/** Applies defaults and checks every key; unknown keys and wrong types throw a TrainerError naming the key. */
export function resolveTrainingConfig(raw: unknown, where = 'config'): TrainingConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new TrainerError(`${where}: expected a mapping of keys to values`);
  const out: Record<string, unknown> = structuredClone(TRAINING_DEFAULTS);
  for (const [given, value] of Object.entries(raw)) {
    const key = (given in KINDS ? given : ALIASES[given]) as keyof TrainingConfig | undefined;
    if (!key) {
      const hint = closest(given);
      throw new TrainerError(`${where}: unknown key "${given}"${hint ? ` (did you mean "${hint}"?)` : ''}`);
    }
    out[key] = coerce(key, value, where);
  }
  const config = out as unknown as TrainingConfig;
  checkRanges(config, where);
  return config;
}

/**
 * Parses config text and resolves it: YAML or JSON (JSON is YAML) in this trainer's keys or as an ai-toolkit job,
 * or (`syntax: 'toml'`) a kohya sd-scripts / musubi-tuner TOML file.
 */
export function parseTrainingConfig(text: string, where = 'config', syntax: 'yaml' | 'toml' = 'yaml'): TrainingConfig {
  let raw: unknown;
  try {
    raw = syntax === 'toml' ? parseToml(text) : parseYaml(text);
  } catch (error) {
    throw new TrainerError(`${where}: not valid ${syntax === 'toml' ? 'TOML' : 'YAML or JSON'} (${(error as Error).message.split('\n')[0]})`);
  }
  if (syntax === 'toml') raw = fromKohyaConfig(raw as Record<string, unknown>, where);
  else if (isAiToolkitConfig(raw)) raw = fromAiToolkitConfig(raw, where);
  return resolveTrainingConfig(raw ?? {}, where);
}

/** Reads and resolves a config file; relative `model`, `dataset` and `output_dir` are taken from the file's folder. */
export async function loadTrainingConfig(path: string): Promise<TrainingConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new TrainerError(`${path}: cannot read the training config (${(error as Error).message})`);
  }
  const config = parseTrainingConfig(text, path, /\.toml$/i.test(path) ? 'toml' : 'yaml');
  const base = dirname(path);
  for (const key of ['model', 'dataset', 'output_dir'] as const) if (config[key]) config[key] = resolve(base, config[key]);
  return config;
}
