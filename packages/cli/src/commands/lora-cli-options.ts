import { Option } from 'commander';
import { LORA_FORMATS, LoraError, moduleNamesFromFile, parseLoraFormat, type LoraFloatDType, type LoraFormat } from '@loraflow/lora-adapters';

/** Flags shared by the lora subcommands that write a file. */
export interface LoraWriteFlags {
  to?: string;
  dtype?: 'f32' | 'f16' | 'bf16';
  modules?: string;
  quiet?: boolean;
  json?: boolean;
}

/** `--to` parsed (aliases: diffusers, comfyui, ai-toolkit, musubi). */
export function formatFlag(value: string | undefined, flag = '--to'): LoraFormat | undefined {
  if (value === undefined) return undefined;
  const format = parseLoraFormat(value);
  if (!format) throw new LoraError(`${flag} ${value}: expected one of ${LORA_FORMATS.join(', ')} (or diffusers, comfyui, ai-toolkit, musubi)`);
  return format;
}

/** `--dtype` as a safetensors dtype. */
export function dtypeFlag(value: string | undefined): LoraFloatDType | undefined {
  return value ? (value.toUpperCase() as LoraFloatDType) : undefined;
}

/** `--modules FILE` read into module names (undefined: the built-in Qwen-Image table). */
export async function moduleNamesFlag(path: string | undefined): Promise<string[] | undefined> {
  return path === undefined ? undefined : moduleNamesFromFile(path);
}

/** A finite number from a flag value. */
export function numberFlag(value: string, flag: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new LoraError(`${flag} ${value}: expected a number`);
  return n;
}

/** The `--dtype` option. */
export const dtypeOption = () => new Option('--dtype <dtype>', 'storage dtype of the output factors (default: as in the input)').choices(['f32', 'f16', 'bf16']);

/** The `--modules` option's help. */
export const MODULES_HELP = 'module names for resolving kohya underscore keys: base model .safetensors, JSON array or one name per line (default: Qwen-Image)';
