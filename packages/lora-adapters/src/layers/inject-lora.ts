import { Conv2d, Generator, Linear, type Module } from '@loraflow/tensor-core';
import { LoraConv2d } from './lora-conv2d.js';
import { LoraError } from '../lora-error.js';
import { LoraLinear } from './lora-linear.js';
import { LoraModule, type AdapterState } from './lora-module.js';
import type { LoraOptions } from './lora-options.js';
import { matchesAny, matchesName, type NamePattern } from './name-pattern.js';

/** Per-pattern overrides of rank/alpha (first matching rule wins). */
export interface LoraTargetRule extends Pick<LoraOptions, 'rank' | 'alpha' | 'convRank' | 'convAlpha' | 'dropout' | 'rankDropout' | 'moduleDropout' | 'upBias'> {
  pattern: NamePattern;
}

/** Where and how to inject LoRA adapters. */
export interface InjectLoraOptions extends LoraOptions {
  /** Adapter name (default "default"); a second injection with another name adds a second adapter. */
  adapter?: string;
  /** Modules to adapt (default: every Linear and Conv2d). */
  include?: readonly NamePattern[];
  /** Modules to leave alone (wins over include). */
  exclude?: readonly NamePattern[];
  /** Per-pattern rank/alpha/dropout overrides. */
  rules?: readonly LoraTargetRule[];
  /** Freeze every non-LoRA parameter (default true) so only adapter parameters train. */
  freezeBase?: boolean;
}

/** One layer that received the adapter. */
export interface InjectedLora {
  readonly name: string;
  readonly module: LoraLinear | LoraConv2d;
  readonly state: AdapterState;
}

/** Linear/Conv2d (or already wrapped) modules by dotted path, skipping LoRA factor layers themselves. */
export function adaptableModules(model: Module): [string, Linear | Conv2d | LoraModule][] {
  const out: [string, Linear | Conv2d | LoraModule][] = [];
  const walk = (m: Module, path: string) => {
    for (const [name, child] of m.namedChildren()) {
      const p = path ? `${path}.${name}` : name;
      if (child instanceof LoraModule || child instanceof Linear || child instanceof Conv2d) out.push([p, child]);
      else walk(child, p);
    }
  };
  if (model instanceof LoraModule || model instanceof Linear || model instanceof Conv2d) throw new LoraError('injectLora: pass the model that contains the layer, not the layer itself');
  walk(model, '');
  return out;
}

/**
 * Wraps every matching Linear / Conv2d of `model` in a LoRA layer (or adds an adapter to an already
 * wrapped one), in place; parameter names of the base model are unchanged. Returns the wrapped layers.
 */
export function injectLora(model: Module, opts: InjectLoraOptions = {}): InjectedLora[] {
  const adapter = opts.adapter ?? 'default';
  const include = opts.include ?? [/.*/];
  const exclude = opts.exclude ?? [];
  const targets = adaptableModules(model).filter(([name]) => matchesAny(name, include) && !matchesAny(name, exclude));
  if (targets.length === 0) {
    throw new LoraError(`injectLora: no Linear or Conv2d module matches include [${include.map(String).join(', ')}]${exclude.length ? ` minus exclude [${exclude.map(String).join(', ')}]` : ''}`);
  }
  // One stream for the whole model: layers get different inits, and the same seed repeats the run.
  const generator = opts.generator ?? new Generator(opts.seed ?? 0);
  const out: InjectedLora[] = [];
  for (const [name, m] of targets) {
    const rule = opts.rules?.find((r) => matchesName(name, r.pattern));
    const { pattern: _pattern, ...overrides } = rule ?? { pattern: '' };
    const layerOpts: LoraOptions = { ...opts, ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)), generator, seed: undefined };
    let wrapped: LoraLinear | LoraConv2d;
    if (m instanceof LoraModule) wrapped = m as LoraLinear | LoraConv2d;
    else {
      wrapped = m instanceof Linear ? new LoraLinear(m, { generator, adapter: null }) : new LoraConv2d(m, { generator, adapter: null });
      model.setSubmodule(name, wrapped);
    }
    let state: AdapterState;
    try {
      state = wrapped.addAdapter(adapter, layerOpts);
    } catch (error) {
      throw new LoraError(`injectLora: module "${name}": ${(error as Error).message}`);
    }
    out.push({ name, module: wrapped, state });
  }
  if (opts.freezeBase ?? true) {
    for (const p of model.parameters()) p.requiresGrad = false;
    for (const { module } of out) for (const n of module.adapterNames()) for (const p of [...module.lora_A.get(n).parameters(), ...module.lora_B.get(n).parameters()]) p.requiresGrad = true;
  }
  return out;
}

/** Every LoRA layer in a model with its dotted path. */
export function loraLayers(model: Module): [string, LoraLinear | LoraConv2d][] {
  return model.namedModules().filter((e): e is [string, LoraLinear | LoraConv2d] => e[1] instanceof LoraModule);
}
