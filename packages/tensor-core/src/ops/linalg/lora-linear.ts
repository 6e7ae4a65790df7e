import { asF32 } from '../cast.js';
import type { MatmulParams, Storage } from '../../device/backend.js';
import { TensorError } from '../../errors.js';
import { shapeSize } from '../../shape.js';
import type { Tensor } from '../../tensor.js';
import { reshape } from '../layout/reshape.js';
import { resultTensor, runF32 } from '../op-result.js';
import { sumToShape } from '../reduce/sum-to-shape.js';
import { linear } from './linear.js';
import { matmul } from './matmul.js';

const plain = (m: number, n: number, k: number, transA: boolean, transB: boolean): MatmulParams => ({ batch: 1, m, n, k, transA, transB, aBatchStride: 0, bBatchStride: 0 });

/**
 * A LoRA linear layer, y = x W^T + b + scale * (x A^T) B^T, with W [out, in], A (down) [rank, in] and
 * B (up) [out, rank]. With a fused-epilogue backend the bias and the scaled low-rank product are
 * accumulated straight into the base product (three matmuls, no scale / add passes over [rows, out]),
 * and the backward reuses the saved x A^T.
 */
export function loraLinear(x: Tensor, weight: Tensor, bias: Tensor | null | undefined, down: Tensor, up: Tensor, scale: number): Tensor {
  const [nOut, nIn] = weight.shape;
  const rank = down.shape[0];
  if (weight.ndim !== 2 || x.ndim === 0 || x.shape[x.ndim - 1] !== nIn) {
    throw new TensorError(`loraLinear: input [${x.shape}] does not fit weight [${weight.shape}] (expected last dim ${nIn})`);
  }
  if (down.ndim !== 2 || down.shape[1] !== nIn || up.ndim !== 2 || up.shape[0] !== nOut || up.shape[1] !== rank) {
    throw new TensorError(`loraLinear: factors down [${down.shape}] / up [${up.shape}] do not fit weight [${weight.shape}] (expected [rank, ${nIn}] and [${nOut}, rank])`);
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== nOut)) throw new TensorError(`loraLinear: bias [${bias.shape}] does not fit ${nOut} outputs`);
  const backend = x.device.backend;
  if (!backend.matmulFused) {
    const low = linear(linear(x, down), up).mul(scale);
    return linear(x, weight, bias).add(low);
  }
  const lead = x.shape.slice(0, -1);
  const rows = shapeSize(lead);
  const x2 = reshape(x, [rows, nIn]);
  let h: Tensor | null = null;
  const inputs = bias ? [x2, weight, down, up, bias] : [x2, weight, down, up];
  const y = runF32(
    'loraLinear',
    inputs,
    ([sx, sw, sd, su, sb], d) => {
      const hs = d.backend.matmul(sx, sd, plain(rows, rank, nIn, false, true));
      h = resultTensor('loraLinear.h', hs, [rows, rank], 'f32', d, []);
      const out = d.backend.matmulFused!(sx, sw, plain(rows, nOut, nIn, false, true), { bias: sb ?? null });
      return d.backend.matmulFused!(hs, su, plain(rows, nOut, rank, false, true), { into: out, alpha: scale });
    },
    [rows, nOut],
    (g) => {
      const gs = asF32(g);
      // gh = scale * g B: the gradient reaching x A^T, needed by A and by x.
      const gh = scaled(matmul(gs, up), scale);
      let gx: Tensor | null = null;
      if (x2.requiresGrad) {
        gx = matmul(gs, weight);
        accumulateProduct(gx, gh, down, plain(rows, nIn, rank, false, false));
      }
      return [
        gx,
        weight.requiresGrad ? matmul(gs, x2, { transA: true }) : null,
        down.requiresGrad ? matmul(gh, x2, { transA: true }) : null,
        up.requiresGrad ? scaled(matmul(gs, h!, { transA: true }), scale) : null,
        ...(bias ? [bias.requiresGrad ? sumToShape(gs, bias.shape) : null] : []),
      ];
    },
    undefined,
    { keepF16: x.device.backend.halfMatmulOperands === true },
  );
  return reshape(y, [...lead, nOut]);
}

/** t * s (t itself when s is 1). */
function scaled(t: Tensor, s: number): Tensor {
  return s === 1 ? t : t.mul(s);
}

/** acc += a b through the fused epilogue (acc is a fresh gradient nothing else holds). */
function accumulateProduct(acc: Tensor, a: Tensor, b: Tensor, p: MatmulParams): void {
  const backend = acc.device.backend;
  const as: Storage = asF32(a).storage;
  const bs: Storage = asF32(b).storage;
  backend.matmulFused!(as, bs, p, { into: acc.storage });
}
