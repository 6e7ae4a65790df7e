import type { TrainingConfig } from '@loraflow/trainer';

/** How big a run is: `default` fits the 20-minute budget on a 2-core CPU, `full` is the report's recipe, `quick` is the CI smoke run. */
export type StyleLoraMode = 'default' | 'full' | 'quick';

/** Every knob of the example in one place. */
export interface StyleLoraSettings {
  mode: StyleLoraMode;
  /** Base model folder (flow-dit pipeline). */
  modelDir: string;
  /** Where the dataset, LoRA, grids and report go. */
  outDir: string;
  /** The theme the base model never saw; the LoRA learns it. */
  heldOutTheme: string;
  /** The report's trigger phrase. */
  trigger: string;
  /** Training images of the held-out theme and their side in pixels. */
  images: number;
  imageSize: number;
  /** Trainer keys (the report's recipe scaled to this model). */
  training: Partial<TrainingConfig>;
  /** Sampling of the comparisons. */
  study: {
    /** Steps of every grid except the steps grid. */
    steps: number;
    /** CFG of every grid except the CFG grid, and whether it is norm-rescaled. */
    cfg: number;
    cfgNorm: boolean;
    loraScale: number;
    scales: number[];
    cfgs: number[];
    stepCounts: number[];
    /** Images per grid row (the style score is the share of them recognised as the held-out theme). */
    perCell: { samplers: number; scales: number; cfg: number; steps: number };
    seed: number;
  };
  /** Renders per theme that fit the style classifier (and as many again to measure its accuracy). */
  classifierPerTheme: number;
}

const BASE: Omit<StyleLoraSettings, 'mode' | 'modelDir' | 'outDir'> = {
  heldOutTheme: 'cherry-blossom',
  trigger: 'maplestorybg, a 2D side scrolling background',
  images: 150,
  imageSize: 64,
  training: {
    // Report: rank 64 / conv 16 on a 3072-wide DiT. This DiT is 96 wide and has no convolutions, so rank 16
    // covers the same share of each layer; conv_rank is kept for models with k x k convs.
    linear_rank: 16,
    conv_rank: 4,
    batch_size: 2,
    steps: 500,
    gradient_accumulation: 1,
    resolution: [64],
    bucket_step: 8,
    scheduler: 'flowmatch',
    loss: 'mse',
    dtype: 'bf16',
    ema_decay: 0.99,
    // Report: 5e-5 over 6400 steps on a 20B model; 300 steps on a 2M one need a far larger step size.
    learning_rate: 2e-3,
    lr_scheduler: 'constant_with_warmup',
    lr_warmup_steps: 20,
    timestep_sampling: 'sigmoid',
    caption_dropout: 0.05,
    max_grad_norm: 1,
    save_every: 100,
    seed: 1,
    output_name: 'maplestorybg',
    output_format: 'kohya',
  },
  study: {
    steps: 20,
    cfg: 4,
    cfgNorm: false,
    loraScale: 1,
    scales: [0, 0.4, 0.8, 1, 1.2],
    cfgs: [1, 2, 4, 7, 12],
    stepCounts: [4, 8, 16, 32, 50],
    perCell: { samplers: 4, scales: 8, cfg: 4, steps: 2 },
    seed: 1000,
  },
  classifierPerTheme: 40,
};

/** The settings of a mode; `full` is the report's recipe (6400 steps, resolutions 1024/1280 scaled to 64/80). */
export function styleLoraSettings(mode: StyleLoraMode, paths: { modelDir: string; outDir: string }): StyleLoraSettings {
  const s: StyleLoraSettings = { mode, ...paths, ...structuredClone(BASE) };
  if (mode === 'full') {
    s.imageSize = 80;
    s.training = {
      ...s.training, steps: 6400, resolution: [64, 80], learning_rate: 2e-4, lr_warmup_steps: 100, save_every: 500,
      sample_every: 1000, sample_prompts: [`${s.trigger}, cherry blossom theme`, `${s.trigger}, desert theme`], sample_steps: 20, sample_cfg: 4,
    };
    s.study = { ...s.study, steps: 30, perCell: { samplers: 8, scales: 16, cfg: 8, steps: 8 } };
    s.classifierPerTheme = 80;
  } else if (mode === 'quick') {
    s.images = 48;
    s.training = { ...s.training, steps: 300, save_every: 150 };
    s.study = { ...s.study, steps: 16, scales: [0, 1], cfgs: [1, 12], stepCounts: [4, 8], perCell: { samplers: 1, scales: 4, cfg: 2, steps: 1 } };
    s.classifierPerTheme = 16;
  }
  return s;
}
