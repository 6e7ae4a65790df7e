import { concat, ones, Linear, Module, ModuleList, permute, reshape, RMSNorm, scaledDotProductAttention, slice, type InitOptions, type Tensor } from '@loraflow/tensor-core';
import { applyRope, type RopeTables } from './rotary-embedding.js';

/** Rotary tables for the two streams of a joint attention call. */
export interface JointRope {
  image: RopeTables;
  text: RopeTables;
}

/**
 * Qwen-Image's double-stream attention (diffusers Attention + QwenDoubleStreamAttnProcessor2_0): image tokens use
 * to_q/to_k/to_v, norm_q/norm_k and to_out.0; text tokens use add_q_proj/add_k_proj/add_v_proj, norm_added_q/k and
 * to_add_out; both attend jointly over [text; image].
 */
export class JointAttention extends Module {
  to_q: Linear;
  to_k: Linear;
  to_v: Linear;
  add_q_proj: Linear;
  add_k_proj: Linear;
  add_v_proj: Linear;
  norm_q: RMSNorm;
  norm_k: RMSNorm;
  norm_added_q: RMSNorm;
  norm_added_k: RMSNorm;
  to_out: ModuleList<Linear>;
  to_add_out: Linear;
  readonly heads: number;

  constructor(dim: number, heads: number, opts: InitOptions = {}) {
    super();
    const headDim = dim / heads;
    this.to_q = new Linear(dim, dim, opts);
    this.to_k = new Linear(dim, dim, opts);
    this.to_v = new Linear(dim, dim, opts);
    this.add_q_proj = new Linear(dim, dim, opts);
    this.add_k_proj = new Linear(dim, dim, opts);
    this.add_v_proj = new Linear(dim, dim, opts);
    this.norm_q = new RMSNorm(headDim, 1e-6, opts);
    this.norm_k = new RMSNorm(headDim, 1e-6, opts);
    this.norm_added_q = new RMSNorm(headDim, 1e-6, opts);
    this.norm_added_k = new RMSNorm(headDim, 1e-6, opts);
    this.to_out = new ModuleList([new Linear(dim, dim, opts)]);
    this.to_add_out = new Linear(dim, dim, opts);
    this.heads = heads;
    Object.defineProperty(this, 'heads', { enumerable: false });
  }

  /**
   * image [B, Li, dim], text [B, Lt, dim]; textMask [B, Lt] (u8, 1 = real token) hides padding from every query.
   * Returns [imageOut, textOut].
   */
  forward(image: Tensor, text: Tensor, rope: JointRope, textMask?: Tensor | null): [Tensor, Tensor] {
    const [b, li] = image.shape;
    const lt = text.shape[1];
    // [B, L, dim] -> [B, heads, L, headDim]
    const heads = (t: Tensor) => permute(reshape(t, [b, t.shape[1], this.heads, -1]), [0, 2, 1, 3]);
    const iq = applyRope(this.norm_q.forward(heads(this.to_q.forward(image))), rope.image);
    const ik = applyRope(this.norm_k.forward(heads(this.to_k.forward(image))), rope.image);
    const iv = heads(this.to_v.forward(image));
    const tq = applyRope(this.norm_added_q.forward(heads(this.add_q_proj.forward(text))), rope.text);
    const tk = applyRope(this.norm_added_k.forward(heads(this.add_k_proj.forward(text))), rope.text);
    const tv = heads(this.add_v_proj.forward(text));
    let mask: Tensor | null = null;
    if (textMask) {
      const imageMask = ones([b, li], { dtype: 'u8', device: image.device });
      mask = concat([textMask.dtype === 'u8' ? textMask : textMask.cast('u8'), imageMask], 1).reshape([b, 1, 1, lt + li]);
    }
    const joint = scaledDotProductAttention(concat([tq, iq], 2), concat([tk, ik], 2), concat([tv, iv], 2), { mask });
    const merged = reshape(permute(joint, [0, 2, 1, 3]), [b, lt + li, -1]);
    const d = merged.shape[2];
    const textOut = this.to_add_out.forward(slice(merged, [0, 0, 0], [b, lt, d]));
    const imageOut = this.to_out[0].forward(slice(merged, [0, lt, 0], [b, lt + li, d]));
    return [imageOut, textOut];
  }
}
