/** One linear layer of Qwen-Image's transformer: dotted module path and [in, out] features. */
export interface ModuleShape {
  readonly module: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
}

/** Qwen-Image transformer geometry (diffusers `QwenImageTransformer2DModel` defaults). */
export const QWEN_IMAGE_DIMS = { blocks: 60, hidden: 3072, text: 3584, mlp: 12288, modulation: 18432, patchIn: 64, patchOut: 64, timestep: 256 } as const;

const D = QWEN_IMAGE_DIMS;

/** The 14 linears of one Qwen-Image transformer block, relative to `transformer_blocks.{i}`, in diffusers registration order. */
export const QWEN_IMAGE_BLOCK_LINEARS: readonly (readonly [name: string, inFeatures: number, outFeatures: number])[] = [
  ['img_mod.1', D.hidden, D.modulation],
  ['attn.to_q', D.hidden, D.hidden],
  ['attn.to_k', D.hidden, D.hidden],
  ['attn.to_v', D.hidden, D.hidden],
  ['attn.add_k_proj', D.hidden, D.hidden],
  ['attn.add_v_proj', D.hidden, D.hidden],
  ['attn.add_q_proj', D.hidden, D.hidden],
  ['attn.to_out.0', D.hidden, D.hidden],
  ['attn.to_add_out', D.hidden, D.hidden],
  ['img_mlp.net.0.proj', D.hidden, D.mlp],
  ['img_mlp.net.2', D.mlp, D.hidden],
  ['txt_mod.1', D.hidden, D.modulation],
  ['txt_mlp.net.0.proj', D.hidden, D.mlp],
  ['txt_mlp.net.2', D.mlp, D.hidden],
];

/** Qwen-Image's linears outside the blocks. */
export const QWEN_IMAGE_OUTER_LINEARS: readonly (readonly [name: string, inFeatures: number, outFeatures: number])[] = [
  ['time_text_embed.timestep_embedder.linear_1', D.timestep, D.hidden],
  ['time_text_embed.timestep_embedder.linear_2', D.hidden, D.hidden],
  ['img_in', D.patchIn, D.hidden],
  ['txt_in', D.text, D.hidden],
  ['norm_out.linear', D.hidden, 2 * D.hidden],
  ['proj_out', D.hidden, D.patchOut],
];

/** Every linear of the Qwen-Image transformer with its shape (60 x 14 block linears plus the outer ones). */
export function qwenImageLinearShapes(blocks: number = D.blocks): ModuleShape[] {
  const out: ModuleShape[] = [];
  const add = ([module, inFeatures, outFeatures]: readonly [string, number, number]) => out.push({ module, inFeatures, outFeatures });
  QWEN_IMAGE_OUTER_LINEARS.slice(0, 4).forEach(add);
  for (let i = 0; i < blocks; i++) for (const [name, i_, o] of QWEN_IMAGE_BLOCK_LINEARS) add([`transformer_blocks.${i}.${name}`, i_, o]);
  QWEN_IMAGE_OUTER_LINEARS.slice(4).forEach(add);
  return out;
}

/** Dotted module paths of every Qwen-Image linear: the name table kohya underscore keys are resolved against. */
export const QWEN_IMAGE_MODULE_NAMES: readonly string[] = Object.freeze(qwenImageLinearShapes().map((s) => s.module));
