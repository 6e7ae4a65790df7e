import { broadcastShapes, broadcastStrides } from '../../shape.js';
import { TensorError } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { sumToShape } from '../reduce/sum-to-shape.js';
import { reshape } from './reshape.js';
import { stridedCopy } from './strided-copy.js';

/** Broadcasts to `shape` (-1 keeps an axis), materialising the copies. */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  const off = shape.length - x.ndim;
  if (off < 0) throw new TensorError(`expand: cannot expand [${x.shape}] to fewer dims [${shape}]`);
  const target = shape.map((d, i) => (d === -1 ? x.shape[i - off] : d));
  const full = broadcastShapes(x.shape, target, 'expand');
  if (full.some((d, i) => d !== target[i])) throw new TensorError(`expand: [${x.shape}] cannot expand to [${shape}]`);
  if (full.length === x.ndim && full.every((d, i) => d === x.shape[i])) return reshape(x, x.shape);
  return stridedCopy('expand', x, full, { offset: 0, strides: broadcastStrides(x.shape, full) }, (g) => [sumToShape(g, x.shape)]);
}
