import { TensorError } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { tensor } from '../creation.js';
import { matmul } from '../linalg/matmul.js';
import { reshape } from '../layout/reshape.js';

/** Upsampling options (PyTorch's F.interpolate names). */
export interface UpsampleOptions {
  size?: [number, number];
  scaleFactor?: number | [number, number];
  mode?: 'nearest' | 'bilinear';
  alignCorners?: boolean;
}

/** The [out, in] interpolation matrix along one axis (rows sum to 1). */
function axisMatrix(inSize: number, outSize: number, mode: 'nearest' | 'bilinear', alignCorners: boolean, scale?: number): Float32Array {
  const m = new Float32Array(outSize * inSize);
  const ratio = scale !== undefined ? 1 / scale : inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    if (mode === 'nearest') {
      m[o * inSize + Math.min(Math.floor(o * ratio), inSize - 1)] = 1;
      continue;
    }
    let src = alignCorners ? (outSize > 1 ? (o * (inSize - 1)) / (outSize - 1) : 0) : (o + 0.5) * ratio - 0.5;
    if (src < 0) src = 0;
    const i0 = Math.min(Math.floor(src), inSize - 1);
    const i1 = Math.min(i0 + 1, inSize - 1);
    const frac = src - i0;
    m[o * inSize + i0] += 1 - frac;
    m[o * inSize + i1] += frac;
  }
  return m;
}

/** Resizes [N, C, H, W] by nearest or bilinear interpolation, as two small matmuls (so it is differentiable everywhere). */
export function upsample(x: Tensor, opts: UpsampleOptions): Tensor {
  if (x.ndim !== 4) throw new TensorError(`upsample: expected [N, C, H, W], got [${x.shape}]`);
  const [n, c, h, w] = x.shape;
  const mode = opts.mode ?? 'nearest';
  const alignCorners = opts.alignCorners ?? false;
  const scale = opts.scaleFactor === undefined ? undefined : typeof opts.scaleFactor === 'number' ? [opts.scaleFactor, opts.scaleFactor] : opts.scaleFactor;
  const size = opts.size ?? (scale ? [Math.floor(h * scale[0]), Math.floor(w * scale[1])] : undefined);
  if (!size) throw new TensorError('upsample: give size or scaleFactor');
  if (mode === 'nearest' && alignCorners) throw new TensorError('upsample: alignCorners only applies to bilinear mode');
  const [oh, ow] = size;
  const ah = tensor(axisMatrix(h, oh, mode, alignCorners, alignCorners ? undefined : scale?.[0]), [oh, h], { device: x.device });
  const aw = tensor(axisMatrix(w, ow, mode, alignCorners, alignCorners ? undefined : scale?.[1]), [ow, w], { device: x.device });
  const rows = matmul(reshape(x, [n * c, h, w]), aw, { transB: true });
  return reshape(matmul(ah, rows), [n, c, oh, ow]);
}
