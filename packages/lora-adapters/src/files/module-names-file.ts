import { readSafetensors } from '@loraflow/tensor-core';
import { LoraFormatError } from '../lora-error.js';

/**
 * Dotted module names for resolving kohya keys, read from a file (Node): a base model's
 * `.safetensors` (every key ending in `.weight`, minus the suffix and a `model.diffusion_model.`,
 * `diffusion_model.` or `transformer.` prefix), a JSON array of names, or a text file with one name per line.
 */
export async function moduleNamesFromFile(path: string): Promise<string[]> {
  if (path.endsWith('.safetensors')) {
    const st = await readSafetensors(path);
    try {
      const prefixes = ['model.diffusion_model.', 'diffusion_model.', 'transformer.'];
      return st.keys
        .filter((k) => k.endsWith('.weight'))
        .map((k) => {
          const stem = k.slice(0, -'.weight'.length);
          const p = prefixes.find((x) => stem.startsWith(x));
          return p ? stem.slice(p.length) : stem;
        });
    } finally {
      await st.close();
    }
  }
  const { readFile } = await import('node:fs/promises');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') throw new LoraFormatError(`${path}: no such file`);
    throw error;
  }
  if (path.endsWith('.json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new LoraFormatError(`${path}: not valid JSON (${(error as Error).message}); expected an array of dotted module names`);
    }
    if (!Array.isArray(parsed) || parsed.some((v) => typeof v !== 'string')) throw new LoraFormatError(`${path}: expected a JSON array of dotted module names`);
    return parsed as string[];
  }
  return text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
}
