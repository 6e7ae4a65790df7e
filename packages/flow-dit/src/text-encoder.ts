import { Embedding, Linear, Module, ModuleList, permute, reshape, RMSNorm, scaledDotProductAttention, silu, type InitOptions, type Tensor } from '@loraflow/tensor-core';
import type { TextEncoderConfig } from './model-config.js';
import { applyRope, ropeAngles, ropeTables, type RopeTables } from './rotary-embedding.js';

/** Qwen2-style self-attention (q_proj, k_proj, v_proj, o_proj) with 1-D RoPE, bidirectional over real tokens. */
export class TextSelfAttention extends Module {
  q_proj: Linear;
  k_proj: Linear;
  v_proj: Linear;
  o_proj: Linear;
  readonly heads: number;

  constructor(dim: number, heads: number, opts: InitOptions = {}) {
    super();
    this.q_proj = new Linear(dim, dim, opts);
    this.k_proj = new Linear(dim, dim, opts);
    this.v_proj = new Linear(dim, dim, opts);
    this.o_proj = new Linear(dim, dim, { ...opts, bias: false });
    this.heads = heads;
    Object.defineProperty(this, 'heads', { enumerable: false });
  }

  forward(x: Tensor, rope: RopeTables, mask: Tensor): Tensor {
    const [b, t] = x.shape;
    const heads = (y: Tensor) => permute(reshape(y, [b, t, this.heads, -1]), [0, 2, 1, 3]);
    const q = applyRope(heads(this.q_proj.forward(x)), rope);
    const k = applyRope(heads(this.k_proj.forward(x)), rope);
    const o = scaledDotProductAttention(q, k, heads(this.v_proj.forward(x)), { mask: mask.reshape([b, 1, 1, t]) });
    return this.o_proj.forward(reshape(permute(o, [0, 2, 1, 3]), [b, t, -1]));
  }
}

/** Qwen2-style SwiGLU MLP: down_proj(silu(gate_proj(x)) * up_proj(x)). */
export class TextMlp extends Module {
  gate_proj: Linear;
  up_proj: Linear;
  down_proj: Linear;

  constructor(dim: number, hidden: number, opts: InitOptions = {}) {
    super();
    this.gate_proj = new Linear(dim, hidden, { ...opts, bias: false });
    this.up_proj = new Linear(dim, hidden, { ...opts, bias: false });
    this.down_proj = new Linear(hidden, dim, { ...opts, bias: false });
  }

  forward(x: Tensor): Tensor {
    return this.down_proj.forward(silu(this.gate_proj.forward(x)).mul(this.up_proj.forward(x)));
  }
}

/** A pre-norm encoder layer (input_layernorm, self_attn, post_attention_layernorm, mlp). */
export class TextEncoderLayer extends Module {
  input_layernorm: RMSNorm;
  self_attn: TextSelfAttention;
  post_attention_layernorm: RMSNorm;
  mlp: TextMlp;

  constructor(c: TextEncoderConfig, opts: InitOptions = {}) {
    super();
    this.input_layernorm = new RMSNorm(c.hidden, 1e-6, opts);
    this.self_attn = new TextSelfAttention(c.hidden, c.heads, opts);
    this.post_attention_layernorm = new RMSNorm(c.hidden, 1e-6, opts);
    this.mlp = new TextMlp(c.hidden, c.intermediate, opts);
  }

  forward(x: Tensor, rope: RopeTables, mask: Tensor): Tensor {
    const h = x.add(this.self_attn.forward(this.input_layernorm.forward(x), rope, mask));
    return h.add(this.mlp.forward(this.post_attention_layernorm.forward(h)));
  }
}

/**
 * A small text encoder standing in for Qwen2.5-VL's language model, with its parameter names (embed_tokens,
 * layers.{i}.self_attn.q_proj, ..., norm). Unlike the causal LM it attends in both directions, which suits a
 * 2-layer model whose every token should see the whole caption. Output: last hidden states [B, T, hidden] after `norm`.
 */
export class TextEncoder extends Module {
  embed_tokens: Embedding;
  layers: ModuleList<TextEncoderLayer>;
  norm: RMSNorm;
  readonly config: TextEncoderConfig;

  constructor(config: TextEncoderConfig, opts: InitOptions = {}) {
    super();
    this.embed_tokens = new Embedding(config.vocabSize, config.hidden, opts);
    this.layers = new ModuleList(Array.from({ length: config.layers }, () => new TextEncoderLayer(config, opts)));
    this.norm = new RMSNorm(config.hidden, 1e-6, opts);
    this.config = config;
    Object.defineProperty(this, 'config', { enumerable: false });
  }

  /** ids [B, T] (i32), mask [B, T] (u8) -> hidden states [B, T, hidden]. */
  forward(ids: Tensor, mask: Tensor): Tensor {
    const t = ids.shape[1];
    const headDim = this.config.hidden / this.config.heads;
    const rope = ropeTables(ropeAngles(Array.from({ length: t }, (_, i) => [i]), [headDim], this.config.ropeTheta), t, ids.device);
    let h = this.embed_tokens.forward(ids);
    for (const layer of this.layers) h = layer.forward(h, rope, mask);
    return this.norm.forward(h);
  }
}
