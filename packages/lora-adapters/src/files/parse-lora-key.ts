import type { LoraFormat } from './lora-format.js';

/** Which tensor of a layer a key holds. */
export type LoraKeyRole = 'down' | 'up' | 'upBias' | 'alpha';

/** A key split into its layer stem and role, with the format its suffix and prefix imply. */
export interface ParsedLoraKey {
  readonly key: string;
  readonly stem: string;
  readonly role: LoraKeyRole;
  /** Unknown for `.alpha`, whose suffix every format could use. */
  readonly format?: LoraFormat;
  /** The module part of the stem (dotted, or kohya's underscore form without its prefix). */
  readonly module?: string;
}

const SUFFIXES: readonly (readonly [suffix: string, role: LoraKeyRole, family: 'kohya' | 'ab' | 'default'])[] = [
  ['.lora_down.weight', 'down', 'kohya'],
  ['.lora_up.weight', 'up', 'kohya'],
  ['.lora_up.bias', 'upBias', 'kohya'],
  ['.lora_A.default.weight', 'down', 'default'],
  ['.lora_B.default.weight', 'up', 'default'],
  ['.lora_B.default.bias', 'upBias', 'default'],
  ['.lora_A.weight', 'down', 'ab'],
  ['.lora_B.weight', 'up', 'ab'],
  ['.lora_B.bias', 'upBias', 'ab'],
  ['.alpha', 'alpha', 'ab'],
];

/** Prefixes kohya-style trainers put before the underscore module name. */
export const KOHYA_PREFIXES = ['lora_unet_', 'lora_transformer_'] as const;

/** Dotted prefixes of the lora_A/lora_B formats and the format each implies. */
const AB_PREFIXES: readonly (readonly [prefix: string, format: LoraFormat])[] = [
  ['diffusion_model.', 'comfy'],
  ['transformer.', 'peft'],
  ['base_model.model.', 'peft'],
];

function stemFormat(stem: string, family: 'kohya' | 'ab' | 'default'): { format: LoraFormat; module: string } | undefined {
  if (family === 'default') return { format: 'diffsynth', module: stem };
  if (family === 'kohya') {
    const prefix = KOHYA_PREFIXES.find((p) => stem.startsWith(p));
    if (prefix) return { format: 'kohya', module: stem.slice(prefix.length) };
    if (!stem.includes('.')) return undefined; // another kohya network (lora_te1_ text encoders, ...): not a transformer LoRA
    // lora_down/lora_up on dotted paths (e.g. Qwen-Image-Lightning files, some ComfyUI exports): the
    // factors mean the same as lora_A/lora_B, so the prefix decides the format, as for lora_A keys.
  }
  for (const [prefix, format] of AB_PREFIXES) if (stem.startsWith(prefix)) return { format, module: stem.slice(prefix.length) };
  // Bare dotted names with lora_A/lora_B are PEFT's layout without the pipeline component prefix.
  return { format: 'peft', module: stem };
}

/** Splits a LoRA tensor key; undefined for keys that are not LoRA tensors of a supported format. */
export function parseLoraKey(key: string): ParsedLoraKey | undefined {
  for (const [suffix, role, family] of SUFFIXES) {
    if (!key.endsWith(suffix)) continue;
    const stem = key.slice(0, -suffix.length);
    if (!stem) return undefined;
    if (role === 'alpha') return { key, stem, role };
    const f = stemFormat(stem, family);
    return f ? { key, stem, role, ...f } : undefined;
  }
  return undefined;
}
