import { Generator, Module, noGrad, rand, type Conv2d, type Linear, type Parameter, type Tensor } from '@loraflow/tensor-core';
import { AdapterDict } from './adapter-dict.js';
import type { ExternalLoraFactors } from './external-lora-factors.js';
import { LoraError } from '../lora-error.js';
import { resolveLoraOptions, type LoraOptions, type ResolvedLoraOptions } from './lora-options.js';

/** The runtime state of one adapter on a layer. */
export interface AdapterState extends ResolvedLoraOptions {
  /** Whether the adapter contributes to forward. */
  enabled: boolean;
  /** The total scale folded into the base weight while merged, else null. */
  mergedScale: number | null;
}

/** The delta's total scale: alpha / rank times the runtime multiplier. */
export function adapterScale(s: Pick<AdapterState, 'alpha' | 'rank' | 'multiplier'>): number {
  return (s.alpha / s.rank) * s.multiplier;
}

/**
 * A base layer with LoRA adapters: output = base(x) + sum over adapters of
 * multiplier * (alpha / rank) * up(dropout(down(x))). The base's `weight` and `bias` are this
 * module's own parameters, so injected models keep their parameter names (`to_q.weight`); adapter
 * factors are named like PEFT's: `to_q.lora_A.<adapter>.weight` (down) and `to_q.lora_B.<adapter>.weight` (up).
 */
export abstract class LoraModule<B extends Linear | Conv2d = Linear | Conv2d> extends Module {
  weight: Parameter;
  bias: Parameter | null;
  /** Down projections by adapter name. */
  lora_A = new AdapterDict<B>();
  /** Up projections by adapter name. */
  lora_B = new AdapterDict<B>();
  /** The wrapped layer (shares weight and bias with this module). */
  declare readonly base: B;
  /** Turns every adapter off at once (the base model's output). */
  declare enabled: boolean;
  declare protected readonly states: Map<string, AdapterState>;
  declare protected readonly generator: Generator;
  declare private pending: readonly ExternalLoraFactors[];

  /** `rng.generator` wins over `rng.seed`; with neither, factors initialise from seed 0. */
  constructor(base: B, rng: { generator?: Generator; seed?: number } = {}) {
    super();
    this.weight = base.weight;
    this.bias = base.bias;
    const hidden = (key: string, value: unknown) => Object.defineProperty(this, key, { value, enumerable: false, writable: true });
    hidden('base', base);
    hidden('enabled', true);
    hidden('states', new Map());
    hidden('generator', rng.generator ?? new Generator(rng.seed ?? 0));
    hidden('pending', []);
  }

  /** Input features (linear) or channels (conv): dim 1 of the weight for both. */
  get inFeatures(): number {
    return this.weight.shape[1];
  }

  /** Output features (linear) or channels (conv): dim 0 of the weight for both. */
  get outFeatures(): number {
    return this.weight.shape[0];
  }

  /** Kernel [kh, kw] ([1, 1] for linear). */
  abstract get kernel(): [number, number];
  protected abstract createFactors(opts: ResolvedLoraOptions, generator: Generator): [down: B, up: B];
  protected abstract baseForward(x: Tensor): Tensor;
  protected abstract downForward(x: Tensor, down: B): Tensor;
  protected abstract upForward(h: Tensor, up: B): Tensor;
  /** Delta of external factors (possibly per sample) for input x, unscaled by `scale`. */
  protected abstract externalDelta(x: Tensor, f: ExternalLoraFactors): Tensor;
  /** The rank-dropout mask shape for a down output h. */
  protected abstract rankMaskShape(h: Tensor): number[];

  /** Adds a new adapter (down kaiming-uniform, up zero, as kohya initialises it); returns its state. */
  addAdapter(name = 'default', opts: LoraOptions = {}): AdapterState {
    if (this.states.has(name)) throw new LoraError(`adapter "${name}" already exists on this layer`);
    const kxk = this.kernel[0] * this.kernel[1] > 1;
    const resolved = resolveLoraOptions(opts, kxk, `adapter "${name}"`);
    const gen = opts.generator ?? (opts.seed !== undefined ? new Generator(opts.seed) : this.generator);
    const [down, up] = this.createFactors(resolved, gen);
    this.lora_A.set(name, down);
    this.lora_B.set(name, up);
    const state: AdapterState = { ...resolved, enabled: true, mergedScale: null };
    this.states.set(name, state);
    return state;
  }

  /** Removes an adapter (unmerging it first if merged). */
  removeAdapter(name: string): void {
    const s = this.state(name);
    if (s.mergedScale !== null) this.unmerge(name);
    this.lora_A.get(name).dispose();
    this.lora_B.get(name).dispose();
    this.lora_A.delete(name);
    this.lora_B.delete(name);
    this.states.delete(name);
  }

  /** Adapter names in the order they were added. */
  adapterNames(): string[] {
    return [...this.states.keys()];
  }

  /** An adapter's state (live object: edit `multiplier`, `enabled`, dropouts). */
  state(name = 'default'): AdapterState {
    const s = this.states.get(name);
    if (!s) throw new LoraError(`no adapter "${name}" on this layer (have: ${this.adapterNames().join(', ') || 'none'})`);
    return s;
  }

  /** The down (A) and up (B) layers of an adapter. */
  factors(name = 'default'): { down: B; up: B } {
    this.state(name);
    return { down: this.lora_A.get(name), up: this.lora_B.get(name) };
  }

  /** Sets the runtime LoRA scale of one adapter, or of every adapter when no name is given. */
  setMultiplier(multiplier: number, name?: string): void {
    if (name !== undefined && this.state(name).mergedScale !== null) throw new LoraError(`adapter "${name}" is merged; unmerge it before changing its multiplier`);
    for (const [n, s] of this.states) if (name === undefined || n === name) s.multiplier = multiplier;
  }

  /** Sets factors supplied from outside for the following forward passes (null clears them). */
  setExternalFactors(factors: ExternalLoraFactors | readonly ExternalLoraFactors[] | null): void {
    this.pending = factors === null ? [] : Array.isArray(factors) ? factors : [factors as ExternalLoraFactors];
  }

  /** The weight delta multiplier * alpha/rank * up @ down of an adapter, shaped like `weight` (f32). */
  deltaWeight(name = 'default', scale = adapterScale(this.state(name))): Tensor {
    const { down, up } = this.factors(name);
    const r = down.weight.shape[0];
    const d = up.weight.reshape([this.outFeatures, r]).matmul(down.weight.reshape([r, down.weight.size / r]));
    return d.mul(scale).reshape([...this.weight.shape]);
  }

  /** Adds an adapter's delta into the base weight (and its up bias into the base bias); forward then skips it. */
  merge(name = 'default'): void {
    const s = this.state(name);
    if (s.mergedScale !== null) throw new LoraError(`adapter "${name}" is already merged`);
    const upBias = this.lora_B.get(name).bias;
    if (upBias && !this.bias) throw new LoraError(`adapter "${name}" has an up bias but the base layer has no bias to merge it into`);
    const scale = adapterScale(s);
    noGrad(() => {
      const d = this.deltaWeight(name, scale);
      this.weight.assign(this.weight.add(d));
      d.dispose();
      if (upBias && this.bias) this.bias.assign(this.bias.add(upBias.mul(scale)));
    });
    s.mergedScale = scale;
  }

  /** Subtracts a merged adapter's delta again (exact up to one f32 rounding per weight). */
  unmerge(name = 'default'): void {
    const s = this.state(name);
    if (s.mergedScale === null) throw new LoraError(`adapter "${name}" is not merged`);
    const scale = s.mergedScale;
    const upBias = this.lora_B.get(name).bias;
    noGrad(() => {
      const d = this.deltaWeight(name, scale);
      this.weight.assign(this.weight.sub(d));
      d.dispose();
      if (upBias && this.bias) this.bias.assign(this.bias.sub(upBias.mul(scale)));
    });
    s.mergedScale = null;
  }

  /**
   * base(x) + scale * up(down(x)) as one fused op, or null where the layer type has none (or the up
   * factor has a bias); used when exactly one adapter is active and no dropout applies.
   */
  protected fusedForward(_x: Tensor, _down: B, _up: B, _scale: number): Tensor | null {
    return null;
  }

  /** The single active adapter's name when the fused path applies (one adapter, no dropouts, no external factors). */
  private fusableAdapter(external: readonly ExternalLoraFactors[]): string | null {
    if (external.length > 0) return null;
    let only: string | null = null;
    for (const [name, s] of this.states) {
      if (!s.enabled || s.mergedScale !== null || s.multiplier === 0) continue;
      if (only !== null) return null;
      if (this.training && (s.moduleDropout > 0 || s.dropout > 0 || s.rankDropout > 0)) return null;
      only = name;
    }
    return only;
  }

  /** base(x) plus every enabled, unmerged adapter, plus external factors (given here or set before). */
  forward(x: Tensor, factors?: ExternalLoraFactors | readonly ExternalLoraFactors[]): Tensor {
    if (this.enabled) {
      const external = factors === undefined ? this.pending : Array.isArray(factors) ? factors : [factors as ExternalLoraFactors];
      const name = this.fusableAdapter(external);
      const fused = name === null ? null : this.fusedForward(x, this.lora_A.get(name), this.lora_B.get(name), adapterScale(this.states.get(name)!));
      if (fused) return fused;
    }
    let y = this.baseForward(x);
    if (!this.enabled) return y;
    for (const [name, s] of this.states) {
      if (!s.enabled || s.mergedScale !== null || s.multiplier === 0) continue;
      if (this.training && s.moduleDropout > 0 && this.generator.uniform(1)[0] < s.moduleDropout) continue;
      let h = this.downForward(x, this.lora_A.get(name));
      let scale = adapterScale(s);
      if (this.training && s.dropout > 0) {
        h = h.mul(rand(h.shape, { generator: this.generator, device: h.device }).ge(s.dropout)).mul(1 / (1 - s.dropout));
      }
      if (this.training && s.rankDropout > 0) {
        h = h.mul(rand(this.rankMaskShape(h), { generator: this.generator, device: h.device }).ge(s.rankDropout));
        scale /= 1 - s.rankDropout;
      }
      y = y.add(this.upForward(h, this.lora_B.get(name)).mul(scale));
    }
    const external = factors === undefined ? this.pending : Array.isArray(factors) ? factors : [factors as ExternalLoraFactors];
    for (const f of external) {
      const d = this.externalDelta(x, f);
      y = y.add(f.scale === undefined || f.scale === 1 ? d : d.mul(f.scale));
    }
    return y;
  }
}
