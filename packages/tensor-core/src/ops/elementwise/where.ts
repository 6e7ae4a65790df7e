import { TensorError } from '../../errors.js';
import { broadcastShapes, broadcastStrides } from '../../shape.js';
import type { Tensor } from '../../tensor.js';
import { full, zerosLike } from '../creation.js';
import { commonDevice, floatResultDtype, resultTensor } from '../op-result.js';
import { sumToShape } from '../reduce/sum-to-shape.js';
import { asF32, cast } from '../cast.js';
import { ge, le, mul } from './binary.js';

type Operand = Tensor | number;

/** cond ? a : b elementwise (cond is any tensor; non-zero is true), broadcasting all three. */
export function where(cond: Tensor, a: Operand, b: Operand): Tensor {
  const like = typeof a === 'number' ? (typeof b === 'number' ? cond : b) : a;
  const at = typeof a === 'number' ? full([], a, { device: like.device }) : a;
  const bt = typeof b === 'number' ? full([], b, { device: like.device }) : b;
  const device = commonDevice('where', [cond, at, bt]);
  const shape = broadcastShapes(broadcastShapes(cond.shape, at.shape, 'where'), bt.shape, 'where');
  const c8 = cond.dtype === 'u8' ? cond : cast(cond.dtype === 'i32' ? cond : cond.ne(0), 'u8');
  const a32 = asF32(at);
  const b32 = asF32(bt);
  const storage = device.backend.where(
    c8.storage, broadcastStrides(cond.shape, shape),
    a32.storage, broadcastStrides(at.shape, shape),
    b32.storage, broadcastStrides(bt.shape, shape),
    shape,
  );
  for (const [t, orig] of [[c8, cond], [a32, at], [b32, bt]] as const) if (t !== orig) t.dispose();
  const inputs = [a, b].filter((t): t is Tensor => typeof t !== 'number');
  const dtype = floatResultDtype([at, bt]);
  if (typeof a === 'number') at.dispose();
  if (typeof b === 'number') bt.dispose();
  let out = resultTensor('where', storage, shape, 'f32', device, inputs, (g) => {
    const grads: Tensor[] = [];
    if (typeof a !== 'number') grads.push(sumToShape(where(cond, g, 0), a.shape));
    if (typeof b !== 'number') grads.push(sumToShape(where(cond, 0, g), b.shape));
    return grads;
  });
  if (dtype !== 'f32') out = cast(out, dtype);
  return out;
}

/** Limits values to [min, max] (either bound optional); gradient flows where min <= x <= max, as in PyTorch. */
export function clamp(x: Tensor, min?: number, max?: number): Tensor {
  if (min === undefined && max === undefined) throw new TensorError('clamp: give at least one of min, max');
  if (min !== undefined && max !== undefined && min > max) throw new TensorError(`clamp: min ${min} > max ${max}`);
  const device = x.device;
  const x32 = asF32(x);
  let s = x32.storage;
  const scalarStrides = x.shape.map(() => 0);
  const strides = broadcastStrides(x.shape, x.shape);
  const temps = [];
  if (min !== undefined) {
    const lo = device.backend.fill(1, 'f32', min);
    s = device.backend.binary('maximum', s, strides, lo, scalarStrides, x.shape);
    device.backend.free(lo);
    temps.push(s);
  }
  if (max !== undefined) {
    const hi = device.backend.fill(1, 'f32', max);
    const next = device.backend.binary('minimum', s, strides, hi, scalarStrides, x.shape);
    device.backend.free(hi);
    if (temps.length) device.backend.free(s);
    s = next;
  }
  if (x32 !== x) x32.dispose();
  let out = resultTensor('clamp', s, x.shape, 'f32', device, [x], (g) => {
    let mask = zerosLike(g).add(1);
    if (min !== undefined) mask = mul(mask, ge(x, min));
    if (max !== undefined) mask = mul(mask, le(x, max));
    return [g.mul(mask)];
  });
  if (x.dtype !== 'f32' && x.dtype !== 'i32' && x.dtype !== 'u8') out = cast(out, x.dtype);
  return out;
}
