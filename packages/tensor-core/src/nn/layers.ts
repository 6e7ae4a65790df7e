import { ones, randn, zeros } from '../ops/creation.js';
import { linear } from '../ops/linalg/linear.js';
import { conv2d, type Conv2dOptions } from '../ops/nn/conv2d.js';
import { embedding } from '../ops/nn/gather.js';
import { groupNorm, layerNorm, rmsNorm } from '../ops/nn/norms.js';
import type { Tensor } from '../tensor.js';
import { kaimingUniformInit, uniformInit, type InitOptions } from './init.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

/** y = x W^T + b with W [out, in] (torch.nn.Linear, same init). */
export class Linear extends Module {
  weight: Parameter;
  bias: Parameter | null;

  constructor(readonly inFeatures: number, readonly outFeatures: number, opts: InitOptions & { bias?: boolean } = {}) {
    super();
    this.weight = new Parameter(kaimingUniformInit([outFeatures, inFeatures], inFeatures, opts));
    this.bias = opts.bias === false ? null : new Parameter(uniformInit([outFeatures], 1 / Math.sqrt(inFeatures), opts));
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
}

/** 2-D convolution with weight [out, in/groups, kh, kw] (torch.nn.Conv2d, same init). */
export class Conv2d extends Module {
  weight: Parameter;
  bias: Parameter | null;
  readonly options: Required<Conv2dOptions>;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number | [number, number],
    opts: InitOptions & Conv2dOptions & { bias?: boolean } = {},
  ) {
    super();
    const [kh, kw] = typeof kernelSize === 'number' ? [kernelSize, kernelSize] : kernelSize;
    const groups = opts.groups ?? 1;
    const fanIn = (inChannels / groups) * kh * kw;
    this.weight = new Parameter(kaimingUniformInit([outChannels, inChannels / groups, kh, kw], fanIn, opts));
    this.bias = opts.bias === false ? null : new Parameter(uniformInit([outChannels], 1 / Math.sqrt(fanIn), opts));
    this.options = { stride: opts.stride ?? 1, padding: opts.padding ?? 0, dilation: opts.dilation ?? 1, groups };
    Object.defineProperty(this, 'options', { enumerable: false });
  }

  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, this.options);
  }
}

/** Layer norm over the last axes with optional affine weight and bias. */
export class LayerNorm extends Module {
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(readonly normalizedShape: number | number[], readonly eps = 1e-5, opts: InitOptions & { elementwiseAffine?: boolean; bias?: boolean } = {}) {
    super();
    const shape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
    const affine = opts.elementwiseAffine ?? true;
    this.weight = affine ? new Parameter(ones(shape, opts)) : null;
    this.bias = affine && opts.bias !== false ? new Parameter(zeros(shape, opts)) : null;
  }

  forward(x: Tensor): Tensor {
    const shape = typeof this.normalizedShape === 'number' ? [this.normalizedShape] : this.normalizedShape;
    return layerNorm(x, shape, this.weight, this.bias, this.eps);
  }
}

/** RMS norm over the last axis with an optional weight (Qwen-Image's `norm_q` / `norm_k`). */
export class RMSNorm extends Module {
  weight: Parameter | null;

  constructor(readonly dim: number, readonly eps = 1e-6, opts: InitOptions & { elementwiseAffine?: boolean } = {}) {
    super();
    this.weight = opts.elementwiseAffine === false ? null : new Parameter(ones([dim], opts));
  }

  forward(x: Tensor): Tensor {
    return rmsNorm(x, this.weight, this.eps);
  }
}

/** Group norm over [N, C, ...] (torch.nn.GroupNorm). */
export class GroupNorm extends Module {
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(readonly numGroups: number, readonly numChannels: number, readonly eps = 1e-5, opts: InitOptions & { affine?: boolean } = {}) {
    super();
    const affine = opts.affine ?? true;
    this.weight = affine ? new Parameter(ones([numChannels], opts)) : null;
    this.bias = affine ? new Parameter(zeros([numChannels], opts)) : null;
  }

  forward(x: Tensor): Tensor {
    return groupNorm(x, this.numGroups, this.weight, this.bias, this.eps);
  }
}

/** A lookup table of `num` vectors of size `dim`, initialised N(0, 1) like torch.nn.Embedding. */
export class Embedding extends Module {
  weight: Parameter;

  constructor(readonly num: number, readonly dim: number, opts: InitOptions = {}) {
    super();
    this.weight = new Parameter(randn([num, dim], { generator: opts.generator, device: opts.device, dtype: opts.dtype }));
  }

  forward(indices: Tensor): Tensor {
    return embedding(indices, this.weight);
  }
}

