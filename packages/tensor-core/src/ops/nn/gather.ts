import { TensorError } from '../../errors.js';
import { normalizeAxis, shapeSize } from '../../shape.js';
import type { Tensor } from '../../tensor.js';
import { cast } from '../cast.js';
import { arange } from '../creation.js';
import { eq } from '../elementwise/binary.js';
import { matmul } from '../linalg/matmul.js';
import { permute } from '../layout/permute.js';
import { reshape, unsqueeze } from '../layout/reshape.js';
import { runF32 } from '../op-result.js';
import { sum } from '../reduce/reduce.js';

/** [count, axisLen] one-hot rows of integer indices (f32), used for the adjoint of index selection. */
function oneHot(index: Tensor, axisLen: number): Tensor {
  const classes = reshape(arange(axisLen, undefined, 1, { device: index.device }), [1, axisLen]);
  return cast(eq(reshape(cast(index, 'f32'), [index.size, 1]), cast(classes, 'f32')), 'f32');
}

/** Picks entries of `axis` by a 1-D i32 index (torch.index_select); the gradient scatters back with summation. */
export function indexSelect(x: Tensor, axis: number, index: Tensor): Tensor {
  if (index.ndim !== 1 || index.dtype !== 'i32') throw new TensorError(`indexSelect: index must be a 1-D i32 tensor, got [${index.shape}] ${index.dtype}`);
  const a = normalizeAxis(axis, x.ndim, 'indexSelect');
  const outer = shapeSize(x.shape.slice(0, a));
  const axisLen = x.shape[a];
  const inner = shapeSize(x.shape.slice(a + 1));
  const shape = [...x.shape.slice(0, a), index.size, ...x.shape.slice(a + 1)];
  return runF32('indexSelect', [x], ([s], d) => d.backend.gather(s, index.storage, outer, axisLen, inner), shape, (g) => {
    const g3 = reshape(g, [outer, index.size, inner]);
    const back = matmul(oneHot(index, axisLen), g3, { transA: true });
    return [reshape(back, x.shape)];
  });
}

/** Looks up rows of `weight` [vocab, dim] for integer `indices` of any shape -> [...indices.shape, dim]. */
export function embedding(indices: Tensor, weight: Tensor): Tensor {
  const flat = reshape(indices.dtype === 'i32' ? indices : cast(indices, 'i32'), [indices.size]);
  return reshape(indexSelect(weight, 0, flat), [...indices.shape, weight.shape[1]]);
}

/** torch.gather: out[..., i, ...] = x[..., index[..., i, ...], ...] along `axis`; index has x's rank. */
export function gather(x: Tensor, axis: number, index: Tensor): Tensor {
  const a = normalizeAxis(axis, x.ndim, 'gather');
  if (index.ndim !== x.ndim) throw new TensorError(`gather: index [${index.shape}] must have the rank of x [${x.shape}]`);
  for (let i = 0; i < x.ndim; i++) {
    if (i !== a && index.shape[i] !== x.shape[i]) throw new TensorError(`gather: index [${index.shape}] and x [${x.shape}] differ on axis ${i}`);
  }
  // Move `axis` last, compare indices against every position (one-hot) and contract: differentiable in x by construction.
  const order = [...Array.from({ length: x.ndim }, (_, i) => i).filter((i) => i !== a), a];
  const inverse = order.map((_, i) => order.indexOf(i));
  const xl = permute(x, order);
  const il = permute(cast(index, 'f32'), order);
  const v = x.shape[a];
  const positions = reshape(cast(arange(v, undefined, 1, { device: x.device }), 'f32'), [...Array(x.ndim).fill(1), v]);
  const hot = cast(eq(unsqueeze(il, -1), positions), 'f32');
  const picked = sum(hot.mul(unsqueeze(xl, -2)), -1);
  return permute(picked, inverse);
}
