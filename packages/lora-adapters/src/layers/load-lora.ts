import { Conv2d, Linear, cast, noGrad, quoteForMessage, type Module, type Tensor } from '@loraflow/tensor-core';
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
import { resolveLoraOptions } from './lora-options.js';

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

/** A layer that fits its module, with its factors already converted to f32. */
interface PlannedLayer {
  readonly layer: LoraLayer<LoraFactor>;
  readonly target: Linear | Conv2d | LoraModule;
  readonly down: Tensor;
  readonly up: Tensor;
  readonly upBias?: Tensor;
}

/**
 * Reads, validates and converts every layer without touching the model, so that any error (a bad
 * factor, a rank the adapter options refuse, a module named twice) surfaces before the first change.
 */
async function planLoad(
  layers: Iterable<LoraLayer<LoraFactor>> | AsyncIterable<LoraLayer<LoraFactor>>,
  targets: Map<string, Linear | Conv2d | LoraModule>,
  reader: LoraFileReader | undefined,
  adapter: string,
  where: string,
): Promise<{ fits: PlannedLayer[]; unmatched: UnmatchedLoraLayer[] }> {
  const fits: PlannedLayer[] = [];
  const unmatched: UnmatchedLoraLayer[] = [];
  const seen = new Set<string>();
  try {
    for await (const layer of layers) {
      const g = checkLayerShapes(layer, where);
      if (seen.has(layer.module)) throw new LoraFormatError(`${where}: two layers adapt module ${quoteForMessage(layer.module)}`);
      seen.add(layer.module);
      resolveLoraOptions({ rank: layer.rank, alpha: layer.alpha, convRank: layer.rank, convAlpha: layer.alpha, multiplier: 1 }, g.kernel[0] * g.kernel[1] > 1, `${where} ${quoteForMessage(layer.module)}`);
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
      else {
        const name = `${where} ${quoteForMessage(layer.module)}`;
        fits.push({
          layer,
          target,
          down: toF32(layer.down, `${name} down`),
          up: toF32(layer.up, `${name} up`),
          ...(layer.upBias ? { upBias: toF32(layer.upBias, `${name} up bias`) } : {}),
        });
      }
    }
  } catch (error) {
    for (const f of fits) for (const t of [f.down, f.up, f.upBias]) t?.dispose();
    throw error;
  }
  return { fits, unmatched };
}

/** Applies a validated plan; should anything still throw, every module is put back as it was. */
function applyPlan(model: Module, fits: readonly PlannedLayer[], targets: Map<string, Linear | Conv2d | LoraModule>, adapter: string, opts: LoadLoraOptions): void {
  const undo: (() => void)[] = [];
  try {
    for (const { layer, target, down: downF32, up: upF32, upBias } of fits) {
      let wrapped: LoraModule;
      if (target instanceof LoraModule) wrapped = target;
      else {
        wrapped = target instanceof Linear ? new LoraLinear(target, { adapter: null }) : new LoraConv2d(target as Conv2d, { adapter: null });
        model.setSubmodule(layer.module, wrapped);
        targets.set(layer.module, wrapped);
        undo.push(() => {
          model.setSubmodule(layer.module, target);
          targets.set(layer.module, target);
        });
      }
      wrapped.addAdapter(adapter, { rank: layer.rank, alpha: layer.alpha, convRank: layer.rank, convAlpha: layer.alpha, multiplier: opts.multiplier ?? 1, upBias: upBias !== undefined });
      undo.push(() => wrapped.removeAdapter(adapter));
      const { down, up } = wrapped.factors(adapter);
      noGrad(() => {
        down.weight.assign(downF32.reshape([...down.weight.shape]));
        up.weight.assign(upF32.reshape([...up.weight.shape]));
        if (upBias && up.bias) up.bias.assign(upBias);
      });
      for (const p of [...down.parameters(), ...up.parameters()]) p.requiresGrad = opts.trainable ?? false;
    }
  } catch (error) {
    for (const step of undo.reverse()) step();
    throw error;
  }
}

/**
 * Adds a LoRA (a file path, bytes, an open reader, or layers) to `model` as a new adapter, wrapping
 * the target Linear/Conv2d layers as needed. kohya underscore names are resolved against the model's
 * own module names. Every layer is read and validated before the model changes: a failed load
 * leaves it exactly as it was; with `strict` (default) nothing is changed unless every layer fits.
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
    const plan = await planLoad(layers, targets, reader, adapter, where);
    if (plan.unmatched.length && (opts.strict ?? true)) {
      const lines = plan.unmatched.slice(0, 10).map((u) => `${quoteForMessage(u.module)}${u.key ? ` (key ${quoteForMessage(u.key)})` : ''}: ${u.reason}`);
      throw new LoraFormatError(`${where}: ${plan.unmatched.length} LoRA layer(s) do not fit the model: ${lines.join('; ')}${plan.unmatched.length > 10 ? '; ...' : ''}`);
    }
    applyPlan(model, plan.fits, targets, adapter, opts);
    return { loaded: plan.fits.map((p) => p.layer.module), unmatched: plan.unmatched };
  } finally {
    await close?.();
  }
}
