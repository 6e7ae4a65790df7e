/** The LoRA file layouts we read and write. */
export type LoraFormat = 'kohya' | 'peft' | 'comfy' | 'diffsynth';

/** Every supported format, in the order `--to` lists them. */
export const LORA_FORMATS: readonly LoraFormat[] = ['kohya', 'peft', 'comfy', 'diffsynth'];

/** What each format is called by its users, for messages and `inspect`. */
export const LORA_FORMAT_NAMES: Readonly<Record<LoraFormat, string>> = {
  kohya: 'kohya sd-scripts / musubi-tuner (lora_unet_*.lora_down/lora_up/alpha)',
  peft: 'PEFT / diffusers (transformer.*.lora_A/lora_B)',
  comfy: 'ComfyUI / ai-toolkit (diffusion_model.*.lora_A/lora_B)',
  diffsynth: 'DiffSynth-Studio (*.lora_A.default/lora_B.default)',
};

/** Key names of one layer's tensors in a format. */
export interface LoraKeyNames {
  readonly down: string;
  readonly up: string;
  readonly upBias: string;
  /** Only formats that store alpha (kohya); the others fold alpha into the factors. */
  readonly alpha?: string;
}

/** Only kohya stores alpha; PEFT, ComfyUI and DiffSynth files mean scale 1. */
export function formatStoresAlpha(format: LoraFormat): boolean {
  return format === 'kohya';
}

/** kohya's module naming: `lora_unet_` + the dotted path with dots replaced by underscores. */
export function kohyaStem(module: string): string {
  return `lora_unet_${module.replaceAll('.', '_')}`;
}

/** The tensor keys a format uses for the layer at a dotted module path. */
export function loraKeyNames(format: LoraFormat, module: string): LoraKeyNames {
  switch (format) {
    case 'kohya': {
      const stem = kohyaStem(module);
      return { down: `${stem}.lora_down.weight`, up: `${stem}.lora_up.weight`, upBias: `${stem}.lora_up.bias`, alpha: `${stem}.alpha` };
    }
    case 'peft':
      return { down: `transformer.${module}.lora_A.weight`, up: `transformer.${module}.lora_B.weight`, upBias: `transformer.${module}.lora_B.bias` };
    case 'comfy':
      return { down: `diffusion_model.${module}.lora_A.weight`, up: `diffusion_model.${module}.lora_B.weight`, upBias: `diffusion_model.${module}.lora_B.bias` };
    case 'diffsynth':
      return { down: `${module}.lora_A.default.weight`, up: `${module}.lora_B.default.weight`, upBias: `${module}.lora_B.default.bias` };
  }
}

/** Parses a `--to` value. */
export function parseLoraFormat(value: string): LoraFormat | undefined {
  const v = value.toLowerCase();
  const aliases: Record<string, LoraFormat> = { diffusers: 'peft', comfyui: 'comfy', 'ai-toolkit': 'comfy', musubi: 'kohya', 'sd-scripts': 'kohya' };
  return (LORA_FORMATS as readonly string[]).includes(v) ? (v as LoraFormat) : aliases[v];
}
