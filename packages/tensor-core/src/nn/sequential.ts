import type { Tensor } from '../tensor.js';
import { Module, ModuleList } from './module.js';

/** A module with a single-tensor forward. */
export interface UnaryModule extends Module {
  forward(x: Tensor): Tensor;
}

/** Applies children in order (torch.nn.Sequential); children are named 0, 1, ... */
export class Sequential extends ModuleList<UnaryModule> {
  forward(x: Tensor): Tensor {
    let y = x;
    for (const m of this) y = m.forward(y);
    return y;
  }
}
