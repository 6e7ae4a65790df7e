import type { Shape } from '../../shape.js';
import type { Tensor } from '../../tensor.js';
import { reshape } from '../layout/reshape.js';
import { sum } from './reduce.js';

/** Sums a broadcast gradient back down to an operand's shape (the adjoint of broadcasting). */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  if (g.ndim === shape.length && g.shape.every((d, i) => d === shape[i])) return g;
  const lead = g.ndim - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.ndim; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  const reduced = axes.length > 0 ? sum(g, axes, false) : g;
  return reshape(reduced, shape);
}
