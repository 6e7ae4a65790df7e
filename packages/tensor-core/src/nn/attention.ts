import { TensorError } from '../errors.js';
import { scaledDotProductAttention } from '../ops/nn/attention.js';
import { permute } from '../ops/layout/permute.js';
import { reshape } from '../ops/layout/reshape.js';
import type { Tensor } from '../tensor.js';
import type { InitOptions } from './init.js';
import { Linear } from './layers.js';
import { ModuleList } from './module.js';
import { Module } from './module.js';
import { RMSNorm } from './layers.js';

/** Attention hyper-parameters (diffusers' Attention names). */
export interface AttentionConfig {
  dim: number;
  heads: number;
  /** Key/value input size for cross-attention (defaults to dim). */
  contextDim?: number;
  /** RMSNorm on per-head q and k (Qwen-Image's QK-norm). */
  qkNorm?: boolean;
  bias?: boolean;
}

/** Multi-head attention with diffusers' parameter names: to_q, to_k, to_v, to_out.0, optional norm_q/norm_k. */
export class Attention extends Module {
  to_q: Linear;
  to_k: Linear;
  to_v: Linear;
  norm_q: RMSNorm | null;
  norm_k: RMSNorm | null;
  to_out: ModuleList<Linear>;
  readonly heads: number;

  constructor(cfg: AttentionConfig, opts: InitOptions = {}) {
    super();
    if (cfg.dim % cfg.heads !== 0) throw new TensorError(`Attention: dim ${cfg.dim} is not divisible by heads ${cfg.heads}`);
    const ctx = cfg.contextDim ?? cfg.dim;
    const bias = cfg.bias ?? true;
    this.to_q = new Linear(cfg.dim, cfg.dim, { ...opts, bias });
    this.to_k = new Linear(ctx, cfg.dim, { ...opts, bias });
    this.to_v = new Linear(ctx, cfg.dim, { ...opts, bias });
    const headDim = cfg.dim / cfg.heads;
    this.norm_q = cfg.qkNorm ? new RMSNorm(headDim, 1e-6, opts) : null;
    this.norm_k = cfg.qkNorm ? new RMSNorm(headDim, 1e-6, opts) : null;
    this.to_out = new ModuleList([new Linear(cfg.dim, cfg.dim, { ...opts, bias })]);
    this.heads = cfg.heads;
  }

  /** x [B, L, dim] attends to context [B, S, contextDim] (itself when omitted); mask broadcasts to [B, heads, L, S]. */
  forward(x: Tensor, context?: Tensor, mask?: Tensor): Tensor {
    const [b, l] = x.shape;
    const ctx = context ?? x;
    const split = (t: Tensor) => permute(reshape(t, [t.shape[0], t.shape[1], this.heads, -1]), [0, 2, 1, 3]);
    let q = split(this.to_q.forward(x));
    let k = split(this.to_k.forward(ctx));
    const v = split(this.to_v.forward(ctx));
    if (this.norm_q) q = this.norm_q.forward(q);
    if (this.norm_k) k = this.norm_k.forward(k);
    const o = scaledDotProductAttention(q, k, v, { mask });
    return this.to_out[0].forward(reshape(permute(o, [0, 2, 1, 3]), [b, l, -1]));
  }
}
