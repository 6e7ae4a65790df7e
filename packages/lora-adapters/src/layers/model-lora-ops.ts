import type { Module } from '@loraflow/tensor-core';
import type { ExternalLoraFactors } from './external-lora-factors.js';
import { loraLayers } from './inject-lora.js';
import { LoraError } from '../lora-error.js';

/** Sets the runtime LoRA scale on every LoRA layer of a model (one adapter, or all when no name is given). */
export function setLoraMultiplier(model: Module, multiplier: number, adapter?: string): void {
  for (const [, l] of loraLayers(model)) if (adapter === undefined || l.adapterNames().includes(adapter)) l.setMultiplier(multiplier, adapter);
}

/** Turns every LoRA layer of a model on or off (off = the base model). */
export function setLoraEnabled(model: Module, enabled: boolean): void {
  for (const [, l] of loraLayers(model)) l.enabled = enabled;
}

/** Merges an adapter into the base weights of every layer that has it. */
export function mergeLora(model: Module, adapter = 'default'): number {
  let n = 0;
  for (const [, l] of loraLayers(model)) if (l.adapterNames().includes(adapter)) (l.merge(adapter), n++);
  if (n === 0) throw new LoraError(`mergeLora: no layer has adapter "${adapter}"`);
  return n;
}

/** Undoes `mergeLora`. */
export function unmergeLora(model: Module, adapter = 'default'): number {
  let n = 0;
  for (const [, l] of loraLayers(model)) if (l.adapterNames().includes(adapter) && l.state(adapter).mergedScale !== null) (l.unmerge(adapter), n++);
  if (n === 0) throw new LoraError(`unmergeLora: no layer has adapter "${adapter}" merged`);
  return n;
}

/**
 * Runs `fn` with externally supplied LoRA factors set on the named layers (e.g. one generated LoRA
 * per sample from an Image-to-LoRA network), then clears them, also on error. Unknown module names throw.
 */
export function withExternalLora<T>(model: Module, factors: Readonly<Record<string, ExternalLoraFactors | readonly ExternalLoraFactors[]>>, fn: () => T): T {
  const layers = new Map(loraLayers(model));
  const missing = Object.keys(factors).filter((k) => !layers.has(k));
  if (missing.length) throw new LoraError(`withExternalLora: no LoRA layer named ${missing.slice(0, 5).map((m) => `"${m}"`).join(', ')}; inject LoRA layers there first (e.g. injectLora with rank 1 and multiplier 0)`);
  const set = Object.entries(factors).map(([k, f]) => {
    const l = layers.get(k)!;
    l.setExternalFactors(f);
    return l;
  });
  const clear = () => set.forEach((l) => l.setExternalFactors(null));
  try {
    const out = fn();
    if (out instanceof Promise) return out.finally(clear) as T;
    clear();
    return out;
  } catch (error) {
    clear();
    throw error;
  }
}
