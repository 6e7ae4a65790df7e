import { Dropout, gelu, Linear, Module, ModuleList, type InitOptions, type Tensor } from '@loraflow/tensor-core';

/** diffusers' GELU activation module: a projection then tanh-approximated GELU (`net.0.proj`). */
export class GeluProjection extends Module {
  proj: Linear;

  constructor(dim: number, hidden: number, opts: InitOptions = {}) {
    super();
    this.proj = new Linear(dim, hidden, opts);
  }

  forward(x: Tensor): Tensor {
    return gelu(this.proj.forward(x), 'tanh');
  }
}

/** diffusers FeedForward(activation_fn="gelu-approximate"): net.0 = GELU(proj), net.1 = Dropout, net.2 = Linear. */
export class FeedForward extends Module {
  net: ModuleList<Module>;

  constructor(dim: number, hidden: number, opts: InitOptions = {}) {
    super();
    this.net = new ModuleList<Module>([new GeluProjection(dim, hidden, opts), new Dropout(0), new Linear(hidden, dim, opts)]);
  }

  forward(x: Tensor): Tensor {
    const up = this.net[0] as GeluProjection;
    const down = this.net[2] as Linear;
    return down.forward(up.forward(x));
  }
}
