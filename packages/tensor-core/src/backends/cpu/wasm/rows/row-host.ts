import type { UnaryKernelOp } from '../math/simd-activations.js';
import { JOB_ADDRESS } from '../thread-control.js';
import type { ThreadPool } from '../thread-pool.js';
import type { WasmArena } from '../wasm-arena.js';
import { WasmKernelError } from '../wasm-kernel-error.js';

/**
 * Layout of a row-wise job (softmax, norms) or an elementwise job (then rows = chunks, cols =
 * chunk length, n = total elements). i32 words; eps holds f32 bits; pointers are bytes.
 */
export const RowJob = {
  rows: 0,
  cols: 1,
  x: 2,
  out: 3,
  /** Optional (0 = absent): per-column weight and bias of the norms. */
  w: 4,
  b: 5,
  /** Optional per-row outputs: mean (layer norm) and 1/std (both norms). */
  mean: 6,
  rstd: 7,
  eps: 8,
  /** Rows (or chunks) claimed per atomic increment. */
  chunk: 9,
  next: 10,
  done: 11,
  /** Elementwise only: total element count. */
  n: 12,
} as const;

/** Number of i32 words in a row job descriptor. */
export const ROW_JOB_WORDS = 16;

/** Shape of a row-wise op over the last axis: `rows` rows of `cols` contiguous values. */
export interface RowParams {
  rows: number;
  cols: number;
}

/** Layer norm / RMS norm options; weight and bias have `cols` elements. */
export interface NormParams extends RowParams {
  eps: number;
  weight?: Float32Array | null;
  bias?: Float32Array | null;
  /** Receives each row's mean (layer norm only). */
  mean?: Float32Array;
  /** Receives each row's 1 / sqrt(var + eps) (or 1 / rms). */
  rstd?: Float32Array;
}

/** Below this many elements (~0.2-0.4 ms of work) one thread is faster than waking the others. */
const SOLO_ELEMENTS = 1 << 17;
/** Elements per work item of an elementwise op. */
const UNARY_CHUNK = 1 << 14;

/** Which exported phase function runs each row op. */
export type RowPhaseIndex = Record<'softmax' | 'layernorm' | 'rmsnorm' | UnaryKernelOp, number>;

/** Runs a row-wise or elementwise job: copy in, one parallel phase, copy out. */
function runRows(
  pool: ThreadPool,
  arena: WasmArena,
  fn: number,
  x: Float32Array,
  out: Float32Array,
  rows: number,
  cols: number,
  n: number,
  extra: (w: Int32Array, f: Float32Array) => (() => void) | void,
): void {
  arena.reset();
  const xAddr = arena.alloc(n * 4, 'input');
  const oAddr = arena.alloc(n * 4, 'output');
  arena.f32(xAddr, n).set(x.subarray(0, n));
  const job = JOB_ADDRESS;
  const w = arena.i32(job, ROW_JOB_WORDS);
  w.fill(0);
  w[RowJob.rows] = rows;
  w[RowJob.cols] = cols;
  w[RowJob.x] = xAddr;
  w[RowJob.out] = oAddr;
  w[RowJob.n] = n;
  const threads = n < SOLO_ELEMENTS ? 1 : pool.threads;
  w[RowJob.chunk] = Math.max(1, Math.floor(rows / (threads * 8)));
  const after = extra(w, arena.f32(job, ROW_JOB_WORDS));
  pool.run(job, [{ fn, doneWord: job / 4 + RowJob.done, total: rows }], threads === 1);
  out.set(arena.f32(oAddr, n));
  after?.();
}

function checkRows(what: string, p: RowParams, arrays: Record<string, { arr: Float32Array | null | undefined; len: number }>): void {
  for (const [name, v] of Object.entries({ rows: p.rows, cols: p.cols })) {
    if (!Number.isInteger(v) || v < 0) throw new WasmKernelError(`${what}: ${name}=${v}, expected a non-negative integer`);
  }
  for (const [name, { arr, len }] of Object.entries(arrays)) {
    if (arr && arr.length < len) throw new WasmKernelError(`${what} (rows=${p.rows} cols=${p.cols}): ${name} has ${arr.length} elements, needs ${len}`);
  }
}

/** out = softmax(x) over each row. */
export function runSoftmax(pool: ThreadPool, arena: WasmArena, idx: RowPhaseIndex, x: Float32Array, out: Float32Array, p: RowParams): void {
  const n = p.rows * p.cols;
  checkRows('softmax', p, { x: { arr: x, len: n }, out: { arr: out, len: n } });
  if (n === 0) return;
  runRows(pool, arena, idx.softmax, x, out, p.rows, p.cols, n, () => undefined);
}

/** out = (x - mean) / sqrt(var + eps) * weight + bias per row (layer norm), or x / sqrt(mean(x^2) + eps) * weight (RMS norm). */
export function runNorm(pool: ThreadPool, arena: WasmArena, idx: RowPhaseIndex, kind: 'layernorm' | 'rmsnorm', x: Float32Array, out: Float32Array, p: NormParams): void {
  const n = p.rows * p.cols;
  const what = kind === 'layernorm' ? 'layerNorm' : 'rmsNorm';
  checkRows(what, p, {
    x: { arr: x, len: n },
    out: { arr: out, len: n },
    weight: { arr: p.weight, len: p.cols },
    bias: { arr: p.bias, len: p.cols },
    mean: { arr: p.mean, len: p.rows },
    rstd: { arr: p.rstd, len: p.rows },
  });
  if (kind === 'rmsnorm' && p.bias) throw new WasmKernelError('rmsNorm: bias is not supported (RMS norm has a weight only)');
  if (!(p.eps >= 0)) throw new WasmKernelError(`${what}: eps=${p.eps}, expected a non-negative number`);
  if (n === 0) return;
  runRows(pool, arena, idx[kind], x, out, p.rows, p.cols, n, (w, f) => {
    f[RowJob.eps] = p.eps;
    const put = (field: number, arr: Float32Array | null | undefined, len: number, what2: string) => {
      if (!arr) return 0;
      const addr = arena.alloc(len * 4, what2);
      arena.f32(addr, len).set(arr.subarray(0, len));
      w[field] = addr;
      return addr;
    };
    put(RowJob.w, p.weight, p.cols, `${what} weight`);
    put(RowJob.b, p.bias, p.cols, `${what} bias`);
    const meanAddr = p.mean ? put(RowJob.mean, p.mean, p.rows, `${what} mean`) : 0;
    const rstdAddr = p.rstd ? put(RowJob.rstd, p.rstd, p.rows, `${what} rstd`) : 0;
    return () => {
      if (p.mean) p.mean.set(arena.f32(meanAddr, p.rows));
      if (p.rstd) p.rstd.set(arena.f32(rstdAddr, p.rows));
    };
  });
}

/** out[i] = op(x[i]) for the first `n` elements (n defaults to x.length). */
export function runUnary(pool: ThreadPool, arena: WasmArena, idx: RowPhaseIndex, op: UnaryKernelOp, x: Float32Array, out: Float32Array, n = x.length): void {
  if (!(op in idx)) throw new WasmKernelError(`unary: unknown op "${op}", expected one of ${Object.keys(idx).filter((k) => !['softmax', 'layernorm', 'rmsnorm'].includes(k)).join(', ')}`);
  if (!Number.isInteger(n) || n < 0 || n > x.length || n > out.length) {
    throw new WasmKernelError(`unary ${op}: n=${n} with x of ${x.length} and out of ${out.length} elements`);
  }
  if (n === 0) return;
  runRows(pool, arena, idx[op], x, out, Math.ceil(n / UNARY_CHUNK), UNARY_CHUNK, n, (w) => {
    w[RowJob.chunk] = 1;
  });
}
