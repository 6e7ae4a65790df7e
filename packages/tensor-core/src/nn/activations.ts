import { Generator } from '../random/generator.js';
import { rand } from '../ops/creation.js';
import { gelu, relu, sigmoid, silu, tanh } from '../ops/elementwise/unary.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

/** x * sigmoid(x). */
export class SiLU extends Module {
  forward(x: Tensor): Tensor {
    return silu(x);
  }
}

/** GELU, exact or with the tanh approximation (`approximate: 'tanh'`). */
export class GELU extends Module {
  constructor(readonly approximate: 'none' | 'tanh' = 'none') {
    super();
  }

  forward(x: Tensor): Tensor {
    return gelu(x, this.approximate);
  }
}

/** max(x, 0). */
export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

/** tanh(x). */
export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return tanh(x);
  }
}

/** logistic sigmoid. */
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

/** Passes its input through (a placeholder that keeps PyTorch indices such as `net.1` aligned). */
export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}

/** Inverted dropout in training mode (scale by 1/(1-p)); identity in eval mode. */
export class Dropout extends Module {
  private readonly generator: Generator;

  constructor(readonly p = 0.5, seed = 0) {
    super();
    this.generator = new Generator(seed);
    Object.defineProperty(this, 'generator', { enumerable: false });
  }

  forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return x;
    const keep = rand(x.shape, { generator: this.generator, device: x.device }).ge(this.p);
    return x.mul(keep).mul(1 / (1 - this.p));
  }
}
