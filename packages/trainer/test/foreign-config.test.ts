import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTrainingConfig, parseTrainingConfig, TRAINING_DEFAULTS } from '../src/index.js';

// The shape of a kohya sd-scripts / musubi-tuner config file (sections as its GUI writes them).
const KOHYA_TOML = `
[model_arguments]
pretrained_model_name_or_path = "models/base"

[dataset_arguments]
train_data_dir = "data"
resolution = "512,512"
caption_extension = ".txt"
cache_latents = true
enable_bucket = true

[training_arguments]
output_dir = "runs/kohya"
output_name = "mystyle"
save_precision = "fp16"
save_every_n_steps = 200
train_batch_size = 4
max_train_steps = 1600
gradient_accumulation_steps = 2
seed = 1234
mixed_precision = "bf16"
gradient_checkpointing = true
caption_dropout_rate = 0.1
timestep_sampling = "shift"
discrete_flow_shift = 3.1582

[optimizer_arguments]
optimizer_type = "AdamW"
learning_rate = 1e-4
lr_scheduler = "cosine"
lr_warmup_steps = 100
max_grad_norm = 1.0

[network_arguments]
network_module = "networks.lora_qwen_image"
network_dim = 32
network_alpha = 16
`;

// The shape of an ai-toolkit job file.
const AI_TOOLKIT_YAML = `
job: extension
config:
  name: my_style
  process:
    - type: sd_trainer
      training_folder: runs/aitk
      device: cuda:0
      network:
        type: lora
        linear: 16
        linear_alpha: 16
      save:
        dtype: float16
        save_every: 250
        max_step_saves_to_keep: 4
      datasets:
        - folder_path: data
          caption_ext: txt
          caption_dropout_rate: 0.05
          shuffle_tokens: false
          cache_latents_to_disk: true
          resolution: [512, 768]
      train:
        batch_size: 1
        steps: 2000
        gradient_accumulation_steps: 1
        train_unet: true
        train_text_encoder: false
        gradient_checkpointing: true
        noise_scheduler: flowmatch
        optimizer: adamw
        lr: 1e-4
        timestep_type: sigmoid
        ema_config:
          use_ema: true
          ema_decay: 0.99
        dtype: bf16
      model:
        name_or_path: models/base
        quantize: false
      sample:
        sampler: flowmatch
        sample_every: 250
        width: 1024
        height: 1024
        prompts:
          - a castle at dusk
          - a forest
        neg: ""
        seed: 42
        walk_seed: true
        guidance_scale: 4
        sample_steps: 20
meta:
  name: my_style
`;

describe('configs from other trainers', () => {
  it('maps a kohya TOML file onto this trainer\'s keys, paths from the file\'s folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kohya-'));
    await writeFile(join(dir, 'run.toml'), KOHYA_TOML);
    const c = await loadTrainingConfig(join(dir, 'run.toml'));
    expect(c).toMatchObject({
      model: join(dir, 'models/base'), dataset: join(dir, 'data'), output_dir: join(dir, 'runs/kohya'), output_name: 'mystyle', dtype: 'f16',
      save_every: 200, batch_size: 4, steps: 1600, gradient_accumulation: 2, seed: 1234, caption_dropout: 0.1, timestep_sampling: 'shift',
      discrete_flow_shift: 3.1582, learning_rate: 1e-4, lr_scheduler: 'cosine', lr_warmup_steps: 100, max_grad_norm: 1, linear_rank: 32,
      network_alpha: 16, resolution: [512], cache_latents: true,
    });
  });

  it('refuses kohya keys that would change the result here, by name', () => {
    expect(() => parseTrainingConfig('[training_arguments]\nnoise_offset = 0.1\n', 'run.toml', 'toml')).toThrow(/^run\.toml: key "noise_offset" has no meaning in this trainer; remove it \(supported: /);
    expect(() => parseTrainingConfig('optimizer_type = "Prodigy"\n', 'run.toml', 'toml')).toThrow('run.toml: key "optimizer_type" = "Prodigy" is not supported here (only AdamW is implemented)');
    expect(() => parseTrainingConfig('resolution = "768,512"\n', 'run.toml', 'toml')).toThrow(/key "resolution" = "768,512" is not supported here/);
    expect(() => parseTrainingConfig('max_train_steps = [1\n', 'run.toml', 'toml')).toThrow(/^run\.toml: not valid TOML/);
  });

  it('maps an ai-toolkit job YAML onto this trainer\'s keys', () => {
    const c = parseTrainingConfig(AI_TOOLKIT_YAML, 'job.yaml');
    expect(c).toMatchObject({
      output_name: 'my_style', output_dir: 'runs/aitk', linear_rank: 16, network_alpha: 16, conv_rank: TRAINING_DEFAULTS.conv_rank, dtype: 'f16',
      save_every: 250, dataset: 'data', caption_dropout: 0.05, resolution: [512, 768], batch_size: 1, steps: 2000, learning_rate: 1e-4,
      timestep_sampling: 'sigmoid', ema_decay: 0.99, model: 'models/base', sample_every: 250, sample_prompts: ['a castle at dusk', 'a forest'],
      sample_seed: 42, sample_cfg: 4, sample_steps: 20,
    });
  });

  it('refuses ai-toolkit settings it cannot honour, naming the nested key', () => {
    const with8bit = AI_TOOLKIT_YAML.replace('optimizer: adamw', 'optimizer: adamw8bit');
    expect(() => parseTrainingConfig(with8bit, 'job.yaml')).toThrow('job.yaml: key "config.process[0].train.optimizer" = "adamw8bit" is not supported here (only AdamW is implemented)');
    const withOffset = AI_TOOLKIT_YAML.replace('        lr: 1e-4', '        lr: 1e-4\n        noise_offset: 0.1');
    expect(() => parseTrainingConfig(withOffset, 'job.yaml')).toThrow(/job\.yaml: key "config\.process\[0\]\.train\.noise_offset" has no meaning in this trainer/);
  });
});
