import { QWEN_IMAGE_BLOCK_LINEARS } from '../../../packages/lora-adapters/src/index.js';

/** The 12 linears per block that Qwen-Image-i2L generates LoRAs for (all but the two MLP up-projections). */
export const I2L_TARGETS = [
  'attn.to_q',
  'attn.to_k',
  'attn.to_v',
  'attn.to_out.0',
  'img_mlp.net.2',
  'img_mod.1',
  'attn.add_q_proj',
  'attn.add_k_proj',
  'attn.add_v_proj',
  'attn.to_add_out',
  'txt_mlp.net.2',
  'txt_mod.1',
] as const;

/** One LoRA target: dotted module path and its [out, in] features. */
export interface TargetShape {
  readonly module: string;
  readonly outFeatures: number;
  readonly inFeatures: number;
}

/** Every i2L target of the first `blocks` transformer blocks, with Qwen-Image's real shapes. */
export function i2lTargetShapes(blocks: number): TargetShape[] {
  const shapes = new Map(QWEN_IMAGE_BLOCK_LINEARS.map(([name, inFeatures, outFeatures]) => [name, { inFeatures, outFeatures }]));
  const out: TargetShape[] = [];
  for (let b = 0; b < blocks; b++) {
    for (const name of I2L_TARGETS) {
      const s = shapes.get(name);
      if (!s) throw new Error(`Qwen-Image block has no linear "${name}"`);
      out.push({ module: `transformer_blocks.${b}.${name}`, ...s });
    }
  }
  return out;
}
