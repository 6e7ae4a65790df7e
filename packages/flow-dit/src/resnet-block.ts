import { Conv2d, GroupNorm, Module, silu, type InitOptions, type Tensor } from '@loraflow/tensor-core';

/** diffusers ResnetBlock2D (no time embedding): norm1, SiLU, conv1, norm2, SiLU, conv2, plus a 1x1 conv_shortcut when channels change. */
export class ResnetBlock2D extends Module {
  norm1: GroupNorm;
  conv1: Conv2d;
  norm2: GroupNorm;
  conv2: Conv2d;
  conv_shortcut: Conv2d | null;

  constructor(inChannels: number, outChannels: number, groups: number, opts: InitOptions = {}) {
    super();
    this.norm1 = new GroupNorm(groups, inChannels, 1e-6, opts);
    this.conv1 = new Conv2d(inChannels, outChannels, 3, { ...opts, padding: 1 });
    this.norm2 = new GroupNorm(groups, outChannels, 1e-6, opts);
    this.conv2 = new Conv2d(outChannels, outChannels, 3, { ...opts, padding: 1 });
    this.conv_shortcut = inChannels === outChannels ? null : new Conv2d(inChannels, outChannels, 1, opts);
  }

  forward(x: Tensor): Tensor {
    const h = this.conv2.forward(silu(this.norm2.forward(this.conv1.forward(silu(this.norm1.forward(x))))));
    return (this.conv_shortcut ? this.conv_shortcut.forward(x) : x).add(h);
  }
}
