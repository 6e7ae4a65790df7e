import { TrainerError } from './trainer-error.js';

/**
 * Reading the configs users already have: kohya sd-scripts / musubi-tuner TOML and ai-toolkit YAML. Keys with a
 * meaning here map to this trainer's keys; keys that only tune speed, memory or logging of those tools are dropped
 * (listed below); anything else is refused by name, so a setting is never silently lost.
 */

type Mapped = Record<string, unknown>;
type Rule = string | ((value: unknown, out: Mapped, key: string, where: string) => void);

const refuse = (where: string, key: string, value: unknown, why: string): never => {
  throw new TrainerError(`${where}: key "${key}" = ${JSON.stringify(value)} is not supported here (${why})`);
};

const requireValue = (expected: unknown[], why: string) => (value: unknown, _out: Mapped, key: string, where: string) => {
  if (!expected.includes(value)) refuse(where, key, value, why);
};

function resolutionList(value: unknown, key: string, where: string): number[] {
  // kohya writes "1024" or "1024,1024" (width,height); ai-toolkit a list of sides.
  const parts = Array.isArray(value) ? value : String(value).split(',').map((s) => s.trim());
  const sides = parts.map(Number);
  if (sides.some((n) => !Number.isInteger(n) || n < 1)) refuse(where, key, value, 'expected sides in pixels');
  if (!Array.isArray(value) && sides.length === 2 && sides[0] !== sides[1]) refuse(where, key, value, 'aspect buckets are per side; give one side');
  return Array.isArray(value) ? sides : [sides[0]];
}

const PRECISION: Record<string, string> = { fp16: 'f16', float16: 'f16', bf16: 'bf16', bfloat16: 'bf16', float: 'f32', fp32: 'f32', float32: 'f32' };
const precision = (value: unknown, out: Mapped, key: string, where: string) => {
  const v = PRECISION[String(value).toLowerCase()];
  if (!v) refuse(where, key, value, `expected one of ${Object.keys(PRECISION).join(', ')}`);
  out.dtype = v;
};

const optimizer = (value: unknown, _out: Mapped, key: string, where: string) => {
  if (String(value).toLowerCase() !== 'adamw') refuse(where, key, value, 'only AdamW is implemented');
};

/** Keys of kohya / musubi / ai-toolkit that only change speed, memory, logging or file handling of those tools. */
export const NO_EFFECT_KEYS = [
  'mixed_precision', 'full_bf16', 'full_fp16', 'fp8_base', 'save_model_as', 'sdpa', 'xformers', 'mem_eff_attn', 'gradient_checkpointing',
  'persistent_data_loader_workers', 'max_data_loader_n_workers', 'logging_dir', 'log_with', 'log_prefix', 'cache_latents_to_disk',
  'cache_text_encoder_outputs', 'cache_text_encoder_outputs_to_disk', 'highvram', 'lowram', 'max_step_saves_to_keep', 'save_state',
  'save_last_n_steps', 'device', 'dtype', 'neg', 'walk_seed', 'width', 'height', 'quantize', 'performance_log_every', 'skip_first_sample',
  'blocks_to_swap', 'split_attn', 'enable_bucket', 'bucket_no_upscale', 'min_bucket_reso', 'max_bucket_reso',
] as const;

const KOHYA: Record<string, Rule> = {
  pretrained_model_name_or_path: 'model', dit: 'model', train_data_dir: 'dataset', output_dir: 'output_dir', output_name: 'output_name',
  network_dim: 'linear_rank', network_alpha: 'network_alpha', conv_dim: 'conv_rank',
  conv_alpha: (v, out, key, where) => {
    if (out.network_alpha !== undefined && v !== out.network_alpha) refuse(where, key, v, 'conv adapters share network_alpha here');
  },
  network_module: (v, _o, key, where) => {
    if (!/lora/i.test(String(v))) refuse(where, key, v, 'only LoRA networks are trained');
  },
  train_batch_size: 'batch_size', max_train_steps: 'steps', gradient_accumulation_steps: 'gradient_accumulation',
  learning_rate: 'learning_rate', unet_lr: 'learning_rate', lr_scheduler: 'lr_scheduler', lr_warmup_steps: 'lr_warmup_steps',
  max_grad_norm: 'max_grad_norm', seed: 'seed', optimizer_type: optimizer,
  resolution: (v, out, key, where) => (out.resolution = resolutionList(v, key, where)),
  timestep_sampling: 'timestep_sampling', discrete_flow_shift: 'discrete_flow_shift', caption_dropout_rate: 'caption_dropout',
  flip_aug: 'flip_aug', cache_latents: 'cache_latents', save_precision: precision,
  save_every_n_steps: 'save_every', sample_every_n_steps: 'sample_every', caption_extension: requireValue(['.txt', 'txt'], 'captions are read from .txt files'),
  network_train_unet_only: requireValue([true], 'only the denoiser is trained'),
};

function apply(rules: Record<string, Rule>, entries: [string, unknown][], where: string, prefix = ''): Mapped {
  const out: Mapped = {};
  for (const [key, value] of entries) {
    const rule = rules[key];
    if (rule === undefined) {
      if ((NO_EFFECT_KEYS as readonly string[]).includes(key)) continue;
      throw new TrainerError(`${where}: key "${prefix}${key}" has no meaning in this trainer; remove it (supported: ${Object.keys(rules).join(', ')})`);
    }
    if (typeof rule === 'string') out[rule] = value;
    else rule(value, out, `${prefix}${key}`, where);
  }
  return out;
}

/** Maps a kohya sd-scripts / musubi-tuner TOML config (sections are flattened, as their loaders do) to this trainer's keys. */
export function fromKohyaConfig(raw: Record<string, unknown>, where: string): Mapped {
  const flat: [string, unknown][] = [];
  for (const [key, value] of Object.entries(raw)) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) flat.push(...Object.entries(value));
    else flat.push([key, value]);
  }
  return apply(KOHYA, flat, where);
}

/** Whether a parsed YAML document is an ai-toolkit job (`config.process` list). */
export function isAiToolkitConfig(raw: unknown): raw is { config: { name?: string; process: unknown[] } } {
  const c = (raw as { config?: { process?: unknown } } | null)?.config;
  return typeof raw === 'object' && raw !== null && 'job' in raw && Array.isArray(c?.process);
}

const section = (value: unknown, key: string, where: string): [string, unknown][] => {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new TrainerError(`${where}: key "${key}" should be a mapping`);
  return Object.entries(value);
};

/** Maps an ai-toolkit job YAML (one training process, one dataset) to this trainer's keys. */
export function fromAiToolkitConfig(raw: { config: { name?: string; process: unknown[] } }, where: string): Mapped {
  const { process, name, ...restConfig } = raw.config;
  const restKeys = Object.keys(restConfig);
  if (restKeys.length) throw new TrainerError(`${where}: key "config.${restKeys[0]}" has no meaning in this trainer`);
  if (process.length !== 1) throw new TrainerError(`${where}: key "config.process" has ${process.length} entries, expected one training process`);
  const out: Mapped = name === undefined ? {} : { output_name: name };
  const p = section(process[0], 'config.process[0]', where);
  const nested = (rules: Record<string, Rule>) => (v: unknown, o: Mapped, key: string, w: string) => Object.assign(o, apply(rules, section(v, key, w), w, `${key}.`));
  const rules: Record<string, Rule> = {
    type: requireValue(['sd_trainer', 'ui_trainer', 'diffusion_trainer'], 'only LoRA training processes are read'),
    training_folder: 'output_dir', trigger_word: (v, _o, key, w) => refuse(w, key, v, 'write the trigger into the captions'),
    network: nested({
      type: requireValue(['lora'], 'only LoRA networks are trained'), linear: 'linear_rank', linear_alpha: 'network_alpha', conv: 'conv_rank',
      conv_alpha: (v, o, key, w) => {
        if (o.network_alpha !== undefined && v !== o.network_alpha) refuse(w, key, v, 'conv adapters share linear_alpha here');
      },
    }),
    save: nested({ dtype: precision, save_every: 'save_every' }),
    datasets: (v, o, key, w) => {
      if (!Array.isArray(v) || v.length !== 1) refuse(w, key, v, 'expected one dataset');
      Object.assign(o, apply({
        folder_path: 'dataset', caption_dropout_rate: 'caption_dropout', flip_x: 'flip_aug', cache_latents: 'cache_latents',
        caption_ext: requireValue(['txt', '.txt'], 'captions are read from .txt files'), resolution: (r, oo, k, ww) => (oo.resolution = resolutionList(r, k, ww)),
        shuffle_tokens: requireValue([false], 'tag shuffling is not implemented'),
      }, section((v as unknown[])[0], `${key}[0]`, w), w, `${key}[0].`));
    },
    train: nested({
      batch_size: 'batch_size', steps: 'steps', gradient_accumulation_steps: 'gradient_accumulation', lr: 'learning_rate', optimizer,
      noise_scheduler: requireValue(['flowmatch'], 'only flow matching is implemented'), max_grad_norm: 'max_grad_norm', lr_scheduler: 'lr_scheduler',
      train_unet: requireValue([true], 'only the denoiser is trained'), train_text_encoder: requireValue([false], 'only the denoiser is trained'),
      timestep_type: (v, o, key, w) => {
        const map: Record<string, string> = { sigmoid: 'sigmoid', linear: 'uniform', shift: 'shift', weighted: 'weighted', lognorm_blend: 'logit_normal' };
        if (!map[String(v)]) refuse(w, key, v, `expected one of ${Object.keys(map).join(', ')}`);
        o.timestep_sampling = map[String(v)];
      },
      ema_config: (v, o, key, w) => {
        const e = Object.fromEntries(section(v, key, w));
        o.ema_decay = e.use_ema === false ? 0 : (e.ema_decay ?? 0.99);
      },
    }),
    model: nested({ name_or_path: 'model', arch: (v, _o, key, w) => refuse(w, key, v, 'the model folder says its own architecture'), is_flux: requireValue([false], 'the model folder says its own architecture') }),
    sample: nested({
      sampler: requireValue(['flowmatch', 'euler'], 'previews use the Euler flow-matching sampler'), sample_every: 'sample_every', prompts: 'sample_prompts',
      seed: 'sample_seed', guidance_scale: 'sample_cfg', sample_steps: 'sample_steps',
    }),
  };
  Object.assign(out, apply(rules, p, where, 'config.process[0].'));
  return out;
}
