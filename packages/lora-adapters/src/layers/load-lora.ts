import { Conv2d, Linear, cast, noGrad, type Module, type Tensor } from '@loraflow/tensor-core';
import { checkLayerShapes } from '../files/check-layer-shapes.js';
import { adaptableModules } from './inject-lora.js';
import { KohyaNameResolver } from '../files/kohya-name-resolver.js';
import { LoraConv2d } from './lora-conv2d.js';
import { LoraFormatError } from '../lora-error.js';
import { rawToTensor } from '../files/lora-factor-codec.js';
import { LoraFileReader } from '../files/lora-file-reader.js';
import type { LoraFactor, LoraLayer } from '../lora-layer.js';
import { LoraLinear } from './lora-linear.js';
import { LoraModule } from './lora-module.js';

/** How to load a LoRA into a model. */
export interface LoadLoraOptions {
  /** Adapter name to create (default "default"). */
  adapter?: string;
  /** Runtime LoRA scale (default 1). */
  multiplier?: number;
  /** Throw (leaving the model untouched) when any layer does not fit the model (default true); else skip and report. */
  strict?: boolean;
  /** Make the loaded factors trainable (default false: inference). */
  trainable?: boolean;
}

/** A LoRA layer that could not be applied, and why. */
export interface UnmatchedLoraLayer {
  readonly module: string;
  /** The layer's down-factor key in the file, when loading from a file. */
  readonly key?: string;
  readonly reason: string;
}

/** What `loadLora` applied. */
export interface LoadLoraReport {
  readonly loaded: string[];
  readonly unmatched: UnmatchedLoraLayer[];
}

function toF32(f: LoraFactor, where: string): Tensor {
  if ('bytes' in f) return rawToTensor(f, where);
  return f.dtype === 'f32' ? f.detach() : cast(f.detach(), 'f32');
}

/**
 * Adds a LoRA (a file path, bytes, an open reader, or layers) to `model` as a new adapter, wrapping
 * the target Linear/Conv2d layers as needed. kohya underscore names are resolved against the model's
 * own module names. With `strict` (default) nothing is changed unless every layer fits.
 */
export async function loadLora(model: Module, source: string | Uint8Array | ArrayBuffer | LoraFileReader | Iterable<LoraLayer<LoraFactor>>, opts: LoadLoraOptions = {}): Promise<LoadLoraReport> {
  const adapter = opts.adapter ?? 'default';
  const targets = new Map(adaptableModules(model));
  let layers: Iterable<LoraLayer<LoraFactor>> | AsyncIterable<LoraLayer<LoraFactor>>;
  let where = 'LoRA layers';
  let close: (() => Promise<void>) | undefined;
  let reader: LoraFileReader | undefined;
  if (typeof source === 'string' || source instanceof Uint8Array || source instanceof ArrayBuffer) {
    const opened = await LoraFileReader.open(source, { resolver: new KohyaNameResolver(targets.keys()) });
    reader = opened;
    close = () => opened.close();
  } else if (source instanceof LoraFileReader) reader = source;
  if (reader) {
    layers = reader;
    where = reader.name;
  } else layers = source as Iterable<LoraLayer<LoraFactor>>;
  try {
    const plan: { layer: LoraLayer<LoraFactor>; target: Linear | Conv2d | LoraModule }[] = [];
    const unmatched: UnmatchedLoraLayer[] = [];
    for await (const layer of layers) {
      const g = checkLayerShapes(layer, where);
      const target = targets.get(layer.module);
      const key = reader?.has(layer.module) ? reader.layer(layer.module).down.key : undefined;
      const fail = (reason: string) => unmatched.push({ module: layer.module, ...(key ? { key } : {}), reason });
      if (!target) {
        fail(layer.resolved === false ? 'kohya name matches no Linear/Conv2d module of the model' : 'no Linear/Conv2d module with this path in the model');
        continue;
      }
      const w = target.weight.shape;
      const isConv = w.length === 4;
      const [tin, tout, kh, kw] = [w[1], w[0], isConv ? w[2] : 1, isConv ? w[3] : 1];
      if ((g.kind === 'conv') !== isConv && !(g.kind === 'linear' && isConv && kh * kw === 1)) fail(`LoRA is ${g.kind} but the module is ${isConv ? 'a conv' : 'a linear'}`);
      else if (g.inFeatures !== tin || g.outFeatures !== tout || g.kernel[0] !== kh || g.kernel[1] !== kw) {
        fail(`LoRA is ${g.inFeatures}->${g.outFeatures} kernel ${g.kernel.join('x')}, the module is ${tin}->${tout} kernel ${kh}x${kw}`);
      } else if (target instanceof LoraModule && target.adapterNames().includes(adapter)) fail(`the module already has an adapter "${adapter}"`);
      else plan.push({ layer, target });
    }
    if (unmatched.length && (opts.strict ?? true)) {
      const lines = unmatched.slice(0, 10).map((u) => `"${u.module}"${u.key ? ` (key "${u.key}")` : ''}: ${u.reason}`);
      throw new LoraFormatError(`${where}: ${unmatched.length} LoRA layer(s) do not fit the model: ${lines.join('; ')}${unmatched.length > 10 ? '; ...' : ''}`);
    }
    for (const { layer, target } of plan) {
      let wrapped: LoraModule;
      if (target instanceof LoraModule) wrapped = target;
      else {
        wrapped = target instanceof Linear ? new LoraLinear(target, { adapter: null }) : new LoraConv2d(target as Conv2d, { adapter: null });
        model.setSubmodule(layer.module, wrapped);
        targets.set(layer.module, wrapped);
      }
      wrapped.addAdapter(adapter, { rank: layer.rank, alpha: layer.alpha, convRank: layer.rank, convAlpha: layer.alpha, multiplier: opts.multiplier ?? 1, upBias: layer.upBias !== undefined });
      const { down, up } = wrapped.factors(adapter);
      noGrad(() => {
        down.weight.assign(toF32(layer.down, `${where} "${layer.module}" down`).reshape([...down.weight.shape]));
        up.weight.assign(toF32(layer.up, `${where} "${layer.module}" up`).reshape([...up.weight.shape]));
        if (layer.upBias && up.bias) up.bias.assign(toF32(layer.upBias, `${where} "${layer.module}" up bias`));
      });
      for (const p of [...down.parameters(), ...up.parameters()]) p.requiresGrad = opts.trainable ?? false;
    }
    return { loaded: plan.map((p) => p.layer.module), unmatched };
  } finally {
    await close?.();
  }
}
