import type { Tensor } from '../tensor.js';

/** One recorded op: its inputs and how to map the output gradient to input gradients. */
export interface GradNode {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  /** Gradients for each input (null where an input needs none); called under noGrad. */
  readonly backward: (grad: Tensor) => readonly (Tensor | null)[];
}
