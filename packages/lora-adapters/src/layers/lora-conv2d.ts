import { Conv2d, conv2d, noGrad, Generator, type Tensor } from '@loraflow/tensor-core';
import type { ExternalLoraFactors } from './external-lora-factors.js';
import { LoraError } from '../lora-error.js';
import { LoraModule } from './lora-module.js';
import type { LoraOptions, ResolvedLoraOptions } from './lora-options.js';

/**
 * A Conv2d with LoRA adapters: down Conv2d(in, r, k, same stride/padding/dilation, no bias), up
 * Conv2d(r, out, 1x1). k x k kernels use the conv rank, 1x1 kernels the linear rank (kohya).
 */
export class LoraConv2d extends LoraModule<Conv2d> {
  /** Wraps `base` and adds a first adapter named `opts.adapter` ("default"; null adds none). Grouped convs are not supported. */
  constructor(base: Conv2d, opts: LoraOptions & { adapter?: string | null } = {}) {
    super(base, opts);
    if (base.options.groups !== 1) throw new LoraError(`LoRA on a grouped conv (groups=${base.options.groups}) is not supported`);
    if (opts.adapter !== null) this.addAdapter(opts.adapter ?? 'default', opts);
  }

  get kernel(): [number, number] {
    return [this.weight.shape[2], this.weight.shape[3]];
  }

  private get geometry() {
    const { stride, padding, dilation } = this.base.options;
    return { stride, padding, dilation };
  }

  protected createFactors(o: ResolvedLoraOptions, generator: Generator): [Conv2d, Conv2d] {
    const down = new Conv2d(this.inFeatures, o.rank, this.kernel, { ...this.geometry, bias: false, generator });
    const up = new Conv2d(o.rank, this.outFeatures, 1, { bias: o.upBias, generator });
    noGrad(() => {
      up.weight.assign(up.weight.mul(0));
      up.bias?.assign(up.bias.mul(0));
    });
    return [down, up];
  }

  protected baseForward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, this.base.options);
  }

  protected downForward(x: Tensor, down: Conv2d): Tensor {
    return conv2d(x, down.weight, null, this.geometry);
  }

  protected upForward(h: Tensor, up: Conv2d): Tensor {
    return conv2d(h, up.weight, up.bias);
  }

  protected rankMaskShape(h: Tensor): number[] {
    return [h.shape[0], h.shape[1], 1, 1];
  }

  protected externalDelta(x: Tensor, f: ExternalLoraFactors): Tensor {
    const [kh, kw] = this.kernel;
    const c = this.inFeatures;
    const o = this.outFeatures;
    const batched = f.down.ndim === 5;
    const r = f.down.shape[batched ? 1 : 0];
    const downOk = (f.down.ndim === 4 || batched) && f.down.shape.slice(-3).join() === [c, kh, kw].join();
    const upCore = f.up.ndim === 4 || f.up.ndim === 5 ? f.up.shape.slice(-2).join() === '1,1' : true;
    const upBatched = f.up.ndim === 3 || f.up.ndim === 5;
    const upDims = f.up.shape.slice(upBatched ? 1 : 0, (upBatched ? 1 : 0) + 2);
    if (!downOk || !upCore || upDims[0] !== o || upDims[1] !== r || upBatched !== batched) {
      throw new LoraError(
        `external LoRA factors down [${f.down.shape}] / up [${f.up.shape}] do not fit a ${c}->${o} ${kh}x${kw} conv ` +
          `(expected down [r, ${c}, ${kh}, ${kw}] with up [${o}, r(, 1, 1)], or both with a leading batch axis)`,
      );
    }
    if (!batched) {
      const h = conv2d(x, f.down, null, this.geometry);
      const y = conv2d(h, f.up.reshape([o, r, 1, 1]), f.upBias ?? null);
      return y;
    }
    // Per-sample factors: fold the batch into channels and run one grouped conv per projection.
    const b = f.down.shape[0];
    if (x.shape[0] !== b) throw new LoraError(`per-sample LoRA factors for ${b} samples, but the input has shape [${x.shape}]`);
    const [, , hgt, wid] = x.shape;
    const xg = x.reshape([1, b * c, hgt, wid]);
    const h = conv2d(xg, f.down.reshape([b * r, c, kh, kw]), null, { ...this.geometry, groups: b });
    let y = conv2d(h, f.up.reshape([b * o, r, 1, 1]), null, { groups: b });
    y = y.reshape([b, o, y.shape[2], y.shape[3]]);
    if (f.upBias) y = y.add(f.upBias.reshape(f.upBias.ndim === 2 ? [b, o, 1, 1] : [1, o, 1, 1]));
    return y;
  }
}
