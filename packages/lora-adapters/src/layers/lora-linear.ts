import { Linear, linear, loraLinear, matmul, noGrad, Generator, type Tensor } from '@loraflow/tensor-core';
import type { ExternalLoraFactors } from './external-lora-factors.js';
import { LoraError } from '../lora-error.js';
import { LoraModule } from './lora-module.js';
import type { LoraOptions, ResolvedLoraOptions } from './lora-options.js';

/** A Linear layer with LoRA adapters: down Linear(in, r, no bias), up Linear(r, out) (kohya's LoRAModule). */
export class LoraLinear extends LoraModule<Linear> {
  /** Wraps `base` and adds a first adapter named `opts.adapter` ("default"; null adds none) with `opts`. */
  constructor(base: Linear, opts: LoraOptions & { adapter?: string | null } = {}) {
    super(base, opts);
    if (opts.adapter !== null) this.addAdapter(opts.adapter ?? 'default', opts);
  }

  get kernel(): [number, number] {
    return [1, 1];
  }

  protected createFactors(o: ResolvedLoraOptions, generator: Generator): [Linear, Linear] {
    const down = new Linear(this.inFeatures, o.rank, { bias: false, generator });
    const up = new Linear(o.rank, this.outFeatures, { bias: o.upBias, generator });
    noGrad(() => {
      up.weight.assign(up.weight.mul(0));
      up.bias?.assign(up.bias.mul(0));
    });
    return [down, up];
  }

  protected baseForward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }

  protected override fusedForward(x: Tensor, down: Linear, up: Linear, scale: number): Tensor | null {
    return up.bias ? null : loraLinear(x, this.weight, this.bias, down.weight, up.weight, scale);
  }

  protected downForward(x: Tensor, down: Linear): Tensor {
    return linear(x, down.weight);
  }

  protected upForward(h: Tensor, up: Linear): Tensor {
    return linear(h, up.weight, up.bias);
  }

  protected rankMaskShape(h: Tensor): number[] {
    // One mask per sample, shared across tokens (kohya: rand(batch, rank), unsqueezed over the sequence).
    return h.shape.map((d, i) => (i === 0 || i === h.ndim - 1 ? d : 1));
  }

  protected externalDelta(x: Tensor, f: ExternalLoraFactors): Tensor {
    const { down, up } = f;
    const batched = down.ndim === 3 || up.ndim === 3;
    const r = down.shape[down.ndim - 2];
    const okDown = (down.ndim === 2 || down.ndim === 3) && down.shape[down.ndim - 1] === this.inFeatures;
    const okUp = (up.ndim === 2 || up.ndim === 3) && up.shape[up.ndim - 2] === this.outFeatures && up.shape[up.ndim - 1] === r;
    if (!okDown || !okUp) {
      throw new LoraError(
        `external LoRA factors down [${down.shape}] / up [${up.shape}] do not fit a ${this.inFeatures}->${this.outFeatures} linear ` +
          `(expected down [r, ${this.inFeatures}] or [batch, r, ${this.inFeatures}], up [${this.outFeatures}, r] or [batch, ${this.outFeatures}, r])`,
      );
    }
    if (!batched) {
      const h = matmul(x, down, { transB: true });
      const y = matmul(h, up, { transB: true });
      return f.upBias ? y.add(f.upBias) : y;
    }
    const b = (down.ndim === 3 ? down : up).shape[0];
    for (const t of [down, up]) if (t.ndim === 3 && t.shape[0] !== b) throw new LoraError(`external LoRA factors disagree on batch: down [${down.shape}], up [${up.shape}]`);
    if (x.ndim < 2 || x.shape[0] !== b) throw new LoraError(`per-sample LoRA factors for ${b} samples, but the input has shape [${x.shape}] (expected [${b}, ..., ${this.inFeatures}])`);
    const lead = x.shape.slice(0, -1);
    const x3 = x.reshape([b, x.size / (b * this.inFeatures), this.inFeatures]);
    const h = matmul(x3, down, { transB: true });
    let y = matmul(h, up, { transB: true });
    if (f.upBias) y = y.add(f.upBias.ndim === 2 ? f.upBias.reshape([b, 1, this.outFeatures]) : f.upBias);
    return y.reshape([...lead, this.outFeatures]);
  }
}
