import { noGrad } from '../autograd/grad-mode.js';
import { TensorError } from '../errors.js';
import { checkOptions, option } from '../option-checks.js';
import { zerosLike } from '../ops/creation.js';
import { keep, tidy } from '../scope.js';
import type { Tensor } from '../tensor.js';
import type { Parameter } from '../nn/parameter.js';

/** AdamW hyper-parameters (PyTorch defaults). */
export interface AdamWOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
}

const DEFAULTS = { lr: 1e-3, betas: [0.9, 0.999] as [number, number], eps: 1e-8, weightDecay: 1e-2 } satisfies Required<AdamWOptions>;

interface Slot {
  m: Tensor;
  v: Tensor;
}

/** Saved optimizer state (moments by parameter index, step count). */
export interface AdamWState {
  step: number;
  moments: { m: Tensor; v: Tensor }[];
}

/**
 * AdamW (Loshchilov & Hutter) as torch.optim.AdamW: decoupled weight decay p -= lr*wd*p, then the
 * bias-corrected Adam update. Parameters without a gradient are skipped.
 */
export class AdamW {
  /** Current learning rate (LR schedules write it). */
  lr: number;
  readonly betas: [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  private stepCount = 0;
  private readonly slots = new Map<Parameter, Slot>();

  constructor(readonly params: readonly Parameter[], opts: AdamWOptions = {}) {
    checkOptions('AdamW', opts, { lr: option.number({ min: 0 }), betas: option.array, eps: option.number({ above: 0 }), weightDecay: option.number({ min: 0 }) }, (m) => new TensorError(m));
    const betas = opts?.betas;
    if (betas && (betas.length !== 2 || !betas.every((b) => Number.isFinite(b) && b >= 0 && b < 1))) {
      throw new TensorError(`AdamW: option "betas" is [${betas.join(', ')}], expected two numbers >= 0 < 1`);
    }
    const o = { ...DEFAULTS, ...opts };
    this.lr = o.lr;
    this.betas = o.betas;
    this.eps = o.eps;
    this.weightDecay = o.weightDecay;
  }

  /** Steps taken so far. */
  get steps(): number {
    return this.stepCount;
  }

  /** Applies one update from the parameters' `.grad`. */
  step(): void {
    this.stepCount++;
    const [b1, b2] = this.betas;
    const bc1 = 1 - b1 ** this.stepCount;
    const bc2 = 1 - b2 ** this.stepCount;
    const stepSize = this.lr / bc1;
    noGrad(() => {
      for (const p of this.params) {
        const g = p.grad;
        if (!g) continue;
        let slot = this.slots.get(p);
        if (!slot) {
          slot = { m: keep(zerosLike(p, { dtype: 'f32' })), v: keep(zerosLike(p, { dtype: 'f32' })) };
          this.slots.set(p, slot);
        }
        const s = slot;
        tidy(() => {
          const m = s.m.mul(b1).add(g.mul(1 - b1));
          const v = s.v.mul(b2).add(g.mul(g).mul(1 - b2));
          s.m.assign(m);
          s.v.assign(v);
          const decayed = this.weightDecay !== 0 ? p.mul(1 - this.lr * this.weightDecay) : p;
          const denom = v.mul(1 / bc2).sqrt().add(this.eps);
          p.assign(decayed.sub(m.div(denom).mul(stepSize)));
        });
      }
    });
  }

  /** Drops every parameter's gradient (call after step). */
  zeroGrad(): void {
    for (const p of this.params) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  /** The moments and step count (for checkpoints); tensors are shared, not copied. */
  state(): AdamWState {
    return {
      step: this.stepCount,
      moments: this.params.map((p) => this.slots.get(p) ?? { m: zerosLike(p, { dtype: 'f32' }), v: zerosLike(p, { dtype: 'f32' }) }),
    };
  }

  /** Restores moments and step count saved by `state()` (same parameter order). */
  loadState(state: AdamWState): void {
    this.stepCount = state.step;
    this.params.forEach((p, i) => {
      const saved = state.moments[i];
      if (saved) this.slots.set(p, { m: keep(saved.m), v: keep(saved.v) });
    });
  }

  /** Frees the moment buffers. */
  dispose(): void {
    for (const s of this.slots.values()) {
      s.m.dispose();
      s.v.dispose();
    }
    this.slots.clear();
  }
}
