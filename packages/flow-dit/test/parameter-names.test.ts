import { Generator } from '@loraflow/tensor-core';
import { describe, expect, it } from 'vitest';
import { createPipeline, MMDiTTransformer } from '../src/index.js';
import { tinyConfig } from './tiny-config.js';

// The per-block parameter names of diffusers' QwenImageTransformer2DModel (shared/REFERENCES.md).
const QWEN_BLOCK_LINEARS = [
  'img_mod.1', 'txt_mod.1',
  'attn.to_q', 'attn.to_k', 'attn.to_v', 'attn.to_out.0',
  'attn.add_q_proj', 'attn.add_k_proj', 'attn.add_v_proj', 'attn.to_add_out',
  'img_mlp.net.0.proj', 'img_mlp.net.2', 'txt_mlp.net.0.proj', 'txt_mlp.net.2',
];
const QWEN_BLOCK_NORMS = ['attn.norm_q', 'attn.norm_k', 'attn.norm_added_q', 'attn.norm_added_k'];
const QWEN_TOP = [
  'img_in.weight', 'img_in.bias', 'txt_norm.weight', 'txt_in.weight', 'txt_in.bias',
  'time_text_embed.timestep_embedder.linear_1.weight', 'time_text_embed.timestep_embedder.linear_1.bias',
  'time_text_embed.timestep_embedder.linear_2.weight', 'time_text_embed.timestep_embedder.linear_2.bias',
  'norm_out.linear.weight', 'norm_out.linear.bias', 'proj_out.weight', 'proj_out.bias',
];

describe('parameter names', () => {
  const cfg = tinyConfig().transformer;
  const model = new MMDiTTransformer({ ...cfg, depth: 3 }, { generator: new Generator(1) });
  const names = model.namedParameters().map(([n]) => n);

  it('has exactly the Qwen-Image block parameters in every block (affine-free img/txt LayerNorms have none)', () => {
    for (let i = 0; i < 3; i++) {
      const expected = [
        ...QWEN_BLOCK_LINEARS.flatMap((l) => [`transformer_blocks.${i}.${l}.weight`, `transformer_blocks.${i}.${l}.bias`]),
        ...QWEN_BLOCK_NORMS.map((n) => `transformer_blocks.${i}.${n}.weight`),
      ].sort();
      expect(names.filter((n) => n.startsWith(`transformer_blocks.${i}.`)).sort()).toEqual(expected);
    }
  });

  it('has the Qwen-Image top-level parameters and nothing else', () => {
    expect(names.filter((n) => !n.startsWith('transformer_blocks.')).sort()).toEqual([...QWEN_TOP].sort());
  });

  it('sizes the linears like Qwen-Image: mod 6x, MLP up mlpRatio x, packed patch in/out', () => {
    const dim = cfg.heads * cfg.headDim;
    const shape = (n: string) => model.namedParameters().find(([k]) => k === n)![1].shape;
    expect(shape('transformer_blocks.0.img_mod.1.weight')).toEqual([6 * dim, dim]);
    expect(shape('transformer_blocks.0.img_mlp.net.0.proj.weight')).toEqual([dim * cfg.mlpRatio, dim]);
    expect(shape('transformer_blocks.0.img_mlp.net.2.weight')).toEqual([dim, dim * cfg.mlpRatio]);
    expect(shape('img_in.weight')).toEqual([dim, cfg.latentChannels * 4]);
    expect(shape('proj_out.weight')).toEqual([cfg.latentChannels * 4, dim]);
    expect(shape('txt_in.weight')).toEqual([dim, cfg.textDim]);
    expect(shape('time_text_embed.timestep_embedder.linear_1.weight')).toEqual([dim, 256]);
    expect(shape('norm_out.linear.weight')).toEqual([2 * dim, dim]);
    expect(shape('transformer_blocks.0.attn.norm_q.weight')).toEqual([cfg.headDim]);
  });

  it('names the autoencoder and text encoder like diffusers / Qwen2', () => {
    const p = createPipeline(tinyConfig(), { generator: new Generator(2) });
    const vae = p.vae.namedParameters().map(([n]) => n);
    for (const n of [
      'encoder.conv_in.weight', 'encoder.down_blocks.0.resnets.0.conv1.weight', 'encoder.down_blocks.0.downsamplers.0.conv.weight',
      'encoder.down_blocks.2.resnets.0.norm2.bias', 'encoder.conv_norm_out.weight', 'encoder.conv_out.weight',
      'decoder.conv_in.weight', 'decoder.up_blocks.0.upsamplers.0.conv.weight', 'decoder.up_blocks.2.resnets.0.conv2.weight', 'decoder.conv_out.bias',
    ]) expect(vae).toContain(n);
    const te = p.textEncoder.namedParameters().map(([n]) => n);
    for (const n of [
      'embed_tokens.weight', 'layers.0.input_layernorm.weight', 'layers.1.self_attn.q_proj.weight', 'layers.1.self_attn.o_proj.weight',
      'layers.0.post_attention_layernorm.weight', 'layers.0.mlp.gate_proj.weight', 'layers.0.mlp.up_proj.weight', 'layers.0.mlp.down_proj.weight', 'norm.weight',
    ]) expect(te).toContain(n);
    p.dispose();
  });

  it('has 3x3 convs (conv rank) and a 1x1 conv shortcut (linear rank) for LoRA when channels change', () => {
    const cfg2 = tinyConfig();
    cfg2.vae.blockChannels = [8, 16, 16];
    const p = createPipeline(cfg2, { generator: new Generator(3) });
    const shapes = Object.fromEntries(p.vae.namedParameters().map(([n, t]) => [n, t.shape]));
    expect(shapes['encoder.down_blocks.1.resnets.0.conv1.weight']).toEqual([16, 8, 3, 3]);
    expect(shapes['encoder.down_blocks.1.resnets.0.conv_shortcut.weight']).toEqual([16, 8, 1, 1]);
    p.dispose();
  });
});
