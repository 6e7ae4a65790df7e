import { Linear, Module, Sequential, SiLU, split, type InitOptions, type Tensor } from '@loraflow/tensor-core';
import { FeedForward } from './feed-forward.js';
import { JointAttention, type JointRope } from './joint-attention.js';
import { modulate, modulationParts, plainLayerNorm } from './modulation.js';

/**
 * One dual-stream block of Qwen-Image (QwenImageTransformerBlock): per stream adaLN modulation from the timestep
 * (`img_mod.1` / `txt_mod.1`, 6 x dim: shift, scale, gate for attention then for the MLP), affine-free LayerNorms
 * (`img_norm1/2`, `txt_norm1/2`, no parameters), joint attention and a tanh-GELU MLP per stream.
 */
export class MMDiTBlock extends Module {
  img_mod: Sequential;
  attn: JointAttention;
  img_mlp: FeedForward;
  txt_mod: Sequential;
  txt_mlp: FeedForward;

  constructor(dim: number, heads: number, mlpHidden: number, opts: InitOptions = {}) {
    super();
    this.img_mod = new Sequential([new SiLU(), new Linear(dim, 6 * dim, opts)]);
    this.attn = new JointAttention(dim, heads, opts);
    this.img_mlp = new FeedForward(dim, mlpHidden, opts);
    this.txt_mod = new Sequential([new SiLU(), new Linear(dim, 6 * dim, opts)]);
    this.txt_mlp = new FeedForward(dim, mlpHidden, opts);
  }

  /** image [B, Li, dim], text [B, Lt, dim], temb [B, dim] -> [image, text]. */
  forward(image: Tensor, text: Tensor, temb: Tensor, rope: JointRope, textMask?: Tensor | null): [Tensor, Tensor] {
    const [img1, img2] = split(this.img_mod.forward(temb), 2, 1).map(modulationParts);
    const [txt1, txt2] = split(this.txt_mod.forward(temb), 2, 1).map(modulationParts);
    const [imgAttn, txtAttn] = this.attn.forward(modulate(plainLayerNorm(image), img1), modulate(plainLayerNorm(text), txt1), rope, textMask);
    let img = image.add(img1.gate.mul(imgAttn));
    let txt = text.add(txt1.gate.mul(txtAttn));
    img = img.add(img2.gate.mul(this.img_mlp.forward(modulate(plainLayerNorm(img), img2))));
    txt = txt.add(txt2.gate.mul(this.txt_mlp.forward(modulate(plainLayerNorm(txt), txt2))));
    return [img, txt];
  }
}
