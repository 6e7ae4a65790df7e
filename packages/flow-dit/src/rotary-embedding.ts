import { keep, matmul, tensor, type Device, type Tensor } from '@loraflow/tensor-core';
import { FlowDitError } from './flow-dit-error.js';

/** cos and sin tables [S, D] for interleaved-pair rotary embedding (entries 2i and 2i+1 share angle i). */
export interface RopeTables {
  cos: Tensor;
  sin: Tensor;
}

/** Angles [positions.length, sum(axes)/2] of multi-axis RoPE: each axis a of size d gets pos_a * theta^(-2k/d), k < d/2. */
export function ropeAngles(positions: readonly (readonly number[])[], axes: readonly number[], theta: number): Float64Array {
  const half = axes.reduce((a, b) => a + b, 0) / 2;
  const out = new Float64Array(positions.length * half);
  positions.forEach((pos, s) => {
    if (pos.length !== axes.length) throw new FlowDitError(`ropeAngles: position ${s} has ${pos.length} coordinates, expected ${axes.length}`);
    let col = 0;
    axes.forEach((d, a) => {
      for (let k = 0; k < d / 2; k++) out[s * half + col++] = pos[a] * theta ** (-(2 * k) / d);
    });
  });
  return out;
}

/** Expands angles [S, D/2] into cos/sin tables [S, D] on a device. */
export function ropeTables(angles: Float64Array, seqLen: number, device?: Device): RopeTables {
  const half = angles.length / seqLen;
  const cos = new Float32Array(seqLen * half * 2);
  const sin = new Float32Array(seqLen * half * 2);
  for (let i = 0; i < angles.length; i++) {
    cos[2 * i] = cos[2 * i + 1] = Math.cos(angles[i]);
    sin[2 * i] = sin[2 * i + 1] = Math.sin(angles[i]);
  }
  return { cos: tensor(cos, [seqLen, half * 2], { device }), sin: tensor(sin, [seqLen, half * 2], { device }) };
}

/**
 * Qwen-Image's image/text positions (QwenEmbedRope with scale_rope): image token (row r, col c) of an h x w grid sits
 * at (frame 0, r - ceil(h/2), c - ceil(w/2)), centred on 0; text token j sits at max(h/2, w/2) + j on all three axes,
 * so text never overlaps the image positions.
 */
export function qwenImagePositions(gridH: number, gridW: number, textLen: number): { image: number[][]; text: number[][] } {
  const image: number[][] = [];
  for (let r = 0; r < gridH; r++) for (let c = 0; c < gridW; c++) image.push([0, r - (gridH - (gridH >> 1)), c - (gridW - (gridW >> 1))]);
  const start = Math.max(gridH >> 1, gridW >> 1);
  const text = Array.from({ length: textLen }, (_, j) => [start + j, start + j, start + j]);
  return { image, text };
}

const rotationCache = new WeakMap<Device, Map<number, Tensor>>();

// (x R)[2i] = -x[2i+1], (x R)[2i+1] = x[2i]: the 90-degree turn of each pair, as a matmul so autograd needs nothing new.
function pairRotation(dim: number, device: Device): Tensor {
  let perDevice = rotationCache.get(device);
  if (!perDevice) rotationCache.set(device, (perDevice = new Map()));
  let r = perDevice.get(dim);
  if (!r) {
    const m = new Float32Array(dim * dim);
    for (let i = 0; i < dim; i += 2) {
      m[(i + 1) * dim + i] = -1;
      m[i * dim + i + 1] = 1;
    }
    // Kept out of any tidy scope: the table lives as long as the device.
    r = keep(tensor(m, [dim, dim], { device }));
    perDevice.set(dim, r);
  }
  return r;
}

/** Rotates x [..., S, D] by the tables (complex multiply of interleaved pairs, diffusers' apply_rotary_emb_qwen). */
export function applyRope(x: Tensor, tables: RopeTables): Tensor {
  const d = x.shape[x.ndim - 1];
  if (tables.cos.shape[1] !== d || tables.cos.shape[0] !== x.shape[x.ndim - 2]) {
    throw new FlowDitError(`applyRope: input [${x.shape}] does not match rope tables [${tables.cos.shape}]`);
  }
  return x.mul(tables.cos).add(matmul(x, pairRotation(d, x.device)).mul(tables.sin));
}
