import type { BinaryOp } from '../../device/backend.js';
import { broadcastShapes, broadcastStrides } from '../../shape.js';
import { Tensor } from '../../tensor.js';
import { full } from '../creation.js';
import { runF32 } from '../op-result.js';
import { sumToShape } from '../reduce/sum-to-shape.js';
import { log } from './unary.js';

type Operand = Tensor | number;
type BinaryGrad = (a: Operand, b: Operand, y: Tensor, g: Tensor) => [Tensor | null, Tensor | null];

function scalarLike(value: number, like: Tensor): Tensor {
  return full([], value, { device: like.device, dtype: like.dtype === 'f16' || like.dtype === 'bf16' ? like.dtype : 'f32' });
}

function binary(op: BinaryOp, a: Operand, b: Operand, grad?: BinaryGrad): Tensor {
  if (typeof a === 'number' && typeof b === 'number') throw new TypeError(`${op}: at least one operand must be a Tensor`);
  const at = typeof a === 'number' ? scalarLike(a, b as Tensor) : a;
  const bt = typeof b === 'number' ? scalarLike(b, a as Tensor) : b;
  const shape = broadcastShapes(at.shape, bt.shape, op);
  const aStrides = broadcastStrides(at.shape, shape);
  const bStrides = broadcastStrides(bt.shape, shape);
  const inputs = [typeof a === 'number' ? null : a, typeof b === 'number' ? null : b].filter((t): t is Tensor => t !== null);
  const comparison = op === 'eq' || op === 'ne' || op === 'lt' || op === 'le' || op === 'gt' || op === 'ge';
  const y: Tensor = runF32(
    op,
    [at, bt],
    ([sa, sb], d) => d.backend.binary(op, sa, aStrides, sb, bStrides, shape),
    shape,
    undefined,
    comparison ? 'u8' : undefined,
  );
  if (typeof a === 'number') at.dispose();
  if (typeof b === 'number') bt.dispose();
  if (grad && !comparison && inputs.some((t) => t.requiresGrad)) {
    y.requiresGrad = true;
    y.gradNode = {
      op,
      inputs,
      backward: (g) => {
        const [ga, gb] = grad(a, b, y, g);
        const out: (Tensor | null)[] = [];
        if (typeof a !== 'number') out.push(ga && sumToShape(ga, a.shape));
        if (typeof b !== 'number') out.push(gb && sumToShape(gb, b.shape));
        return out;
      },
    };
  }
  return y;
}

const needs = (x: Operand): boolean => typeof x !== 'number' && x.requiresGrad;

/** a + b (broadcasting) */
export const add = (a: Operand, b: Operand): Tensor => binary('add', a, b, (_a, _b, _y, g) => [g, g]);
/** a - b (broadcasting) */
export const sub = (a: Operand, b: Operand): Tensor => binary('sub', a, b, (_a, _b, _y, g) => [g, g.neg()]);
/** a * b (broadcasting) */
export const mul = (a: Operand, b: Operand): Tensor =>
  binary('mul', a, b, (x, y2, _y, g) => [needs(x) ? g.mul(y2) : null, needs(y2) ? g.mul(x) : null]);
/** a / b (broadcasting) */
export const div = (a: Operand, b: Operand): Tensor =>
  binary('div', a, b, (x, y2, y, g) => [needs(x) ? g.div(y2) : null, needs(y2) ? g.mul(y).div(y2).neg() : null]);
/** a ** b (broadcasting) */
export const pow = (a: Operand, b: Operand): Tensor =>
  binary('pow', a, b, (x, e, y, g) => [
    needs(x) ? g.mul(e).mul(pow(x, sub(e, 1))) : null,
    needs(e) ? g.mul(y).mul(typeof x === 'number' ? Math.log(x) : log(x)) : null,
  ]);

function tieSplit(winner: Tensor, tie: Tensor): Tensor {
  return winner.add(tie.mul(0.5));
}

/** Elementwise max (a tie splits the gradient, as in PyTorch). */
export const maximum = (a: Operand, b: Operand): Tensor =>
  binary('maximum', a, b, (x, y2, _y, g) => {
    const tie = eq(x, y2);
    return [needs(x) ? g.mul(tieSplit(gt(x, y2), tie)) : null, needs(y2) ? g.mul(tieSplit(lt(x, y2), tie)) : null];
  });
/** Elementwise min (a tie splits the gradient, as in PyTorch). */
export const minimum = (a: Operand, b: Operand): Tensor =>
  binary('minimum', a, b, (x, y2, _y, g) => {
    const tie = eq(x, y2);
    return [needs(x) ? g.mul(tieSplit(lt(x, y2), tie)) : null, needs(y2) ? g.mul(tieSplit(gt(x, y2), tie)) : null];
  });

/** a == b as a u8 mask */
export const eq = (a: Operand, b: Operand): Tensor => binary('eq', a, b);
/** a != b as a u8 mask */
export const ne = (a: Operand, b: Operand): Tensor => binary('ne', a, b);
/** a < b as a u8 mask */
export const lt = (a: Operand, b: Operand): Tensor => binary('lt', a, b);
/** a <= b as a u8 mask */
export const le = (a: Operand, b: Operand): Tensor => binary('le', a, b);
/** a > b as a u8 mask */
export const gt = (a: Operand, b: Operand): Tensor => binary('gt', a, b);
/** a >= b as a u8 mask */
export const ge = (a: Operand, b: Operand): Tensor => binary('ge', a, b);
