/**
 * Synthetic LoRA layers with real Qwen-Image module names and shapes, and float64 reference math
 * on factored deltas, shared by the format tests. Not a test file itself.
 */
import { Generator, type RawTensor, type SafetensorsDType } from '@loraflow/tensor-core';
import { f32ToRaw, qwenImageLinearShapes, rawToF32, type LoraLayer, type ModuleShape } from '../src/index.js';

/** Random layers for the given modules: rank r, alpha `alphaOf(i)`, factors stored in `dtype`. */
export function syntheticLayers(modules: readonly ModuleShape[], opts: { rank: number; dtype: SafetensorsDType; seed: number; alphaOf?: (i: number) => number }): LoraLayer[] {
  const gen = new Generator(opts.seed);
  return modules.map((m, i) => {
    const down = gen.normal(opts.rank * m.inFeatures).map((v) => v * 0.05);
    const up = gen.normal(m.outFeatures * opts.rank).map((v) => v * 0.05);
    return {
      module: m.module,
      kind: 'linear',
      kernel: [1, 1],
      rank: opts.rank,
      alpha: opts.alphaOf ? opts.alphaOf(i) : opts.rank,
      down: f32ToRaw(down, [opts.rank, m.inFeatures], opts.dtype),
      up: f32ToRaw(up, [m.outFeatures, opts.rank], opts.dtype),
    };
  });
}

/** Modules of the first `blocks` Qwen-Image blocks with their real shapes (plus the outer linears when asked). */
export function qwenModules(blocks: number, outer = false): ModuleShape[] {
  return qwenImageLinearShapes(blocks).filter((m) => outer || m.module.startsWith('transformer_blocks.'));
}

/** The 60-block name set with every shape shrunk to `size` (names are what is under test). */
export function tinyQwenModules(size = 3): ModuleShape[] {
  return qwenImageLinearShapes().map((m) => ({ module: m.module, inFeatures: size, outFeatures: size + 1 }));
}

function f64(raw: RawTensor): Float64Array {
  return Float64Array.from(rawToF32(raw));
}

/** A factored delta in f64: s * U [out, r] @ D [r, cols]. */
interface Factored {
  s: number;
  u: Float64Array;
  d: Float64Array;
  r: number;
  out: number;
  cols: number;
}

function factored(layer: LoraLayer): Factored {
  const out = layer.up.shape[0];
  const r = layer.rank;
  const d = f64(layer.down);
  return { s: layer.rank === 0 ? 1 : layer.alpha / layer.rank, u: f64(layer.up), d, r, out, cols: d.length / Math.max(r, 1) };
}

/**
 * ||sum_i c_i * delta_i||_F computed in f64 from the factors only: with P = [c_i s_i U_i] and
 * Q = [D_i] stacked on rank, ||P Q||^2 = sum_{a,b} (P^T P)_{ab} (Q Q^T)_{ab}: O((out + in) R^2) work
 * instead of forming out x in matrices.
 */
export function deltaNorm(terms: readonly { layer: LoraLayer; coef: number }[]): number {
  const fs = terms.map((t) => ({ f: factored(t.layer), c: t.coef }));
  const out = fs[0].f.out;
  const cols = fs[0].f.cols;
  const R = fs.reduce((n, t) => n + t.f.r, 0);
  const P = new Float64Array(out * R);
  const Q = new Float64Array(R * cols);
  let r0 = 0;
  for (const { f, c } of fs) {
    for (let o = 0; o < out; o++) for (let j = 0; j < f.r; j++) P[o * R + r0 + j] = c * f.s * f.u[o * f.r + j];
    Q.set(f.d, r0 * cols);
    r0 += f.r;
  }
  let total = 0;
  for (let a = 0; a < R; a++) {
    for (let b = 0; b < R; b++) {
      let pp = 0;
      for (let o = 0; o < out; o++) pp += P[o * R + a] * P[o * R + b];
      let qq = 0;
      for (let k = 0; k < cols; k++) qq += Q[a * cols + k] * Q[b * cols + k];
      total += pp * qq;
    }
  }
  return Math.sqrt(Math.max(total, 0));
}

/** ||delta(a) - delta(b)|| / ||delta(a)||. */
export function relativeDeltaError(a: LoraLayer, b: LoraLayer): number {
  return deltaNorm([{ layer: a, coef: 1 }, { layer: b, coef: -1 }]) / deltaNorm([{ layer: a, coef: 1 }]);
}
