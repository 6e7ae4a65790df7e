import { keep } from '../scope.js';
import { Tensor } from '../tensor.js';

/** A trainable tensor owned by a Module (requires grad; never collected by `tidy`). */
export class Parameter extends Tensor {
  /** Wraps a tensor's values (sharing its storage) as a parameter. */
  constructor(value: Tensor, requiresGrad = true) {
    super(value.storage, value.shape, value.dtype, value.device);
    this.requiresGrad = requiresGrad;
    keep(this);
  }
}
