import type { Conv2dKernelParams } from '../../device/backend.js';
import { TensorError } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { matmul } from '../linalg/matmul.js';
import { reshape } from '../layout/reshape.js';
import { runF32 } from '../op-result.js';
import { cachedMap, gatherMap, transposeMap } from './index-map.js';

/** conv2d hyper-parameters (PyTorch names); numbers apply to both axes. */
export interface Conv2dOptions {
  stride?: number | [number, number];
  padding?: number | [number, number];
  dilation?: number | [number, number];
  groups?: number;
}

const pair = (v: number | [number, number] | undefined, d: number): [number, number] => (v === undefined ? [d, d] : typeof v === 'number' ? [v, v] : v);

interface Geometry {
  c: number; h: number; w: number; kh: number; kw: number;
  sh: number; sw: number; ph: number; pw: number; dh: number; dw: number;
  oh: number; ow: number;
}

function im2colMap(g: Geometry) {
  const key = `im2col:${Object.values(g).join(',')}`;
  return cachedMap(key, () => {
    const l = g.oh * g.ow;
    const src = new Int32Array(g.c * g.kh * g.kw * l);
    let r = 0;
    for (let c = 0; c < g.c; c++)
      for (let i = 0; i < g.kh; i++)
        for (let j = 0; j < g.kw; j++)
          for (let y = 0; y < g.oh; y++)
            for (let x = 0; x < g.ow; x++) {
              const iy = y * g.sh - g.ph + i * g.dh;
              const ix = x * g.sw - g.pw + j * g.dw;
              src[r++] = iy >= 0 && iy < g.h && ix >= 0 && ix < g.w ? (c * g.h + iy) * g.w + ix : -1;
            }
    return gatherMap(src, key);
  });
}

/** Unfolds [N, C, H, W] into patch columns [N, C*kh*kw, oh*ow] (differentiable; backward is col2im). */
export function im2col(x: Tensor, g: Geometry): Tensor {
  const [n] = x.shape;
  const map = im2colMap(g);
  const inSize = g.c * g.h * g.w;
  const shape = [n, g.c * g.kh * g.kw, g.oh * g.ow];
  return runF32('im2col', [x], ([s], d) => d.backend.indexedSum(s, map, n, inSize), shape, (grad) => {
    const back = cachedMap(`col2im:${map.key}`, () => transposeMap(map, inSize, `col2im:${map.key}`));
    return [runF32('col2im', [grad], ([s], d) => d.backend.indexedSum(s, back, n, map.rows), x.shape)];
  });
}

/**
 * y = conv2d(x, w) + bias through the backend's conv kernels, and its gradients through the
 * kernels' input and weight gradients (backward runs without recording, so these need no rules of their own).
 */
function convDirect(x: Tensor, weight: Tensor, bias: Tensor | null, p: Conv2dKernelParams): Tensor {
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return runF32('conv2d', inputs, ([xs, ws, bs], d) => d.backend.conv2d!(xs, ws, bs ?? null, p), [p.batch, p.outChannels, p.oh, p.ow], (grad) => [
    x.requiresGrad ? runF32('conv2d_input_grad', [grad, weight], ([g, ws], d) => d.backend.conv2dInputGrad!(g, ws, p), x.shape) : null,
    weight.requiresGrad ? runF32('conv2d_weight_grad', [x, grad], ([xs, g], d) => d.backend.conv2dWeightGrad!(xs, g, p), weight.shape) : null,
    bias?.requiresGrad ? grad.sum([0, 2, 3]) : null,
  ]);
}

/**
 * 2-D convolution of x [N, C, H, W] with w [O, C/groups, kh, kw]: the backend's conv kernels when it
 * has them (CPU WebAssembly), else im2col through an index map + batched matmul (WebGPU).
 */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, opts: Conv2dOptions = {}): Tensor {
  if (x.ndim !== 4 || weight.ndim !== 4) throw new TensorError(`conv2d: expected x [N,C,H,W] and weight [O,C/g,kh,kw], got [${x.shape}] and [${weight.shape}]`);
  const groups = opts.groups ?? 1;
  const [n, c, h, w] = x.shape;
  const [o, cg, kh, kw] = weight.shape;
  if (c % groups !== 0 || o % groups !== 0 || cg !== c / groups) {
    throw new TensorError(`conv2d: input channels ${c} and weight [${weight.shape}] do not fit groups=${groups} (expected weight dim 1 = ${c / groups})`);
  }
  const [sh, sw] = pair(opts.stride, 1);
  const [ph, pw] = pair(opts.padding, 0);
  const [dh, dw] = pair(opts.dilation, 1);
  const oh = Math.floor((h + 2 * ph - dh * (kh - 1) - 1) / sh) + 1;
  const ow = Math.floor((w + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
  if (oh <= 0 || ow <= 0) throw new TensorError(`conv2d: input [${x.shape}] is smaller than the dilated kernel ${kh}x${kw} with padding ${ph},${pw}`);
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== o)) throw new TensorError(`conv2d: bias has shape [${bias.shape}], expected [${o}] (one per output channel)`);
  const be = x.device.backend;
  if (be.conv2d && be.conv2dInputGrad && be.conv2dWeightGrad) {
    const p = { batch: n, inChannels: c, height: h, width: w, outChannels: o, kh, kw, sh, sw, ph, pw, dh, dw, groups, oh, ow };
    return convDirect(x, weight, bias ?? null, p);
  }
  const cols = im2col(x, { c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow });
  const kdim = cg * kh * kw;
  let y: Tensor;
  if (groups === 1) {
    y = matmul(reshape(weight, [o, kdim]), cols);
  } else {
    const colsG = reshape(cols, [n, groups, kdim, oh * ow]);
    y = matmul(reshape(weight, [groups, o / groups, kdim]), colsG);
  }
  y = reshape(y, [n, o, oh, ow]);
  if (bias) y = y.add(reshape(bias, [1, o, 1, 1]));
  return y;
}
