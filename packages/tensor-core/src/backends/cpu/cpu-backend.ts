import type { Backend, BinaryOp, IndexMap, MatmulEpilogue, MatmulParams, ReduceOp, Storage, StridedView, UnaryOp } from '../../device/backend.js';
import { allocStorageArray, decodeToF32, encodeFromF32, type DType, type StorageArray } from '../../dtype.js';

export { CpuStorage };
import { TensorError } from '../../errors.js';
import { forEachStrided, isComparison } from './cpu-elementwise.js';
import { binaryRun, compareRun, unaryLoop } from './cpu-loops.js';
import { matmulJs } from './cpu-matmul.js';
import { CpuStorage } from './cpu-storage.js';
import { F32Pool } from './f32-pool.js';
import { applyEpilogue } from './cpu-epilogue.js';
import { normalizeRowsBackwardJs } from './cpu-norm-backward.js';
import { normalizeRowsJs, reduceMiddleJs, softmaxRowsJs } from './cpu-rows.js';
import { wasmAttention, wasmAttentionBackward } from './cpu-attention.js';
import { wasmConv2d, wasmConv2dInputGrad, wasmConv2dWeightGrad } from './cpu-conv.js';
import type { UnaryKernelOp, WasmKernels } from './wasm/index.js';

/** Below this many multiply-adds the copy into wasm memory and the thread hand-off cost more than they save. */
const WASM_MIN_MACS = 8192;
/** Below this many elements row and elementwise ops stay in JS for the same reason. */
const WASM_MIN_ELEMENTS = 4096;

const WASM_UNARY: Partial<Record<UnaryOp, UnaryKernelOp>> = { exp: 'exp', tanh: 'tanh', sigmoid: 'sigmoid', silu: 'silu', gelu_erf: 'gelu', gelu_tanh: 'geluTanh', gelu_tanh_grad: 'geluTanhGrad', silu_grad: 'siluGrad' };

function f32(s: Storage): Float32Array {
  const cpu = s as CpuStorage;
  if (cpu.dtype !== 'f32') throw new TensorError(`cpu kernel expected f32 storage, got ${cpu.dtype}`);
  return cpu.data as Float32Array;
}

/** The synchronous CPU backend: JS kernels, with matmul delegated to WebAssembly when installed. */
export class CpuBackend implements Backend {
  readonly kind = 'cpu' as const;
  private wasm: WasmKernels | null = null;
  /** Recycled outputs: freed storages' arrays, reused by shape so big outputs skip fresh-page faults. */
  private readonly pool = new F32Pool();
  /** Fused attention, present while the WebAssembly kernels are installed. */
  flashAttention?: Backend['flashAttention'];
  /** Fused attention gradients, present while the WebAssembly kernels are installed. */
  flashAttentionBackward?: Backend['flashAttentionBackward'];
  /** Direct conv2d and its gradients, present while the WebAssembly kernels are installed. */
  conv2d?: Backend['conv2d'];
  conv2dInputGrad?: Backend['conv2dInputGrad'];
  conv2dWeightGrad?: Backend['conv2dWeightGrad'];

  /** Installs the WebAssembly SIMD (+ threads) kernels; null restores the plain JS kernels. */
  setWasmKernels(kernels: WasmKernels | null): void {
    this.wasm = kernels;
    if (kernels) {
      this.flashAttention = (q, k, v, p) => wasmAttention(kernels, q, k, v, p);
      this.flashAttentionBackward = (q, k, v, out, dOut, lse, p) => wasmAttentionBackward(kernels, q, k, v, out, dOut, lse, p);
      const take = (n: number) => this.pool.take(n);
      this.conv2d = (x, w, bias, p) => wasmConv2d(kernels, x, w, bias, p, take);
      this.conv2dInputGrad = (dy, w, p) => wasmConv2dInputGrad(kernels, dy, w, p, take);
      this.conv2dWeightGrad = (x, dy, p) => wasmConv2dWeightGrad(kernels, x, dy, p, take);
    } else {
      delete this.flashAttention;
      delete this.flashAttentionBackward;
      delete this.conv2d;
      delete this.conv2dInputGrad;
      delete this.conv2dWeightGrad;
    }
  }

  /** Threads and SIMD flavour of the installed WebAssembly kernels (null when plain JS). */
  kernelInfo(): { threads: number; relaxedSimd: boolean } | null {
    return this.wasm && { threads: this.wasm.threads, relaxedSimd: this.wasm.relaxedSimd };
  }

  upload(data: StorageArray, dtype: DType): Storage {
    return new CpuStorage(data.slice(), dtype);
  }

  async read(storage: Storage): Promise<StorageArray> {
    return (storage as CpuStorage).data.slice();
  }

  /** Synchronous read used by CPU-only fast paths. */
  readSync(storage: Storage): StorageArray {
    return (storage as CpuStorage).data;
  }

  free(storage: Storage): void {
    const data = (storage as CpuStorage).data;
    if (data instanceof Float32Array) this.pool.give(data);
  }

  fill(size: number, dtype: DType, value: number): Storage {
    const data = dtype === 'f32' ? this.pool.take(size) : allocStorageArray(dtype, size);
    if (dtype === 'f32' || value !== 0) data.fill(encodeFromF32([value], dtype)[0]);
    return new CpuStorage(data, dtype);
  }

  cast(x: Storage, to: DType): Storage {
    const src = x as CpuStorage;
    if (src.dtype === to) return new CpuStorage(src.data.slice(), to);
    const values = decodeToF32(src.data, src.dtype);
    return new CpuStorage(encodeFromF32(values, to), to);
  }

  unary(op: UnaryOp, x: Storage): Storage {
    const a = f32(x);
    const out = this.pool.take(a.length);
    const simd = WASM_UNARY[op];
    if (this.wasm && simd && a.length >= WASM_MIN_ELEMENTS) this.wasm.unary(simd, a, out);
    else unaryLoop(op, a, out);
    return new CpuStorage(out, 'f32');
  }

  binary(op: BinaryOp, a: Storage, aStrides: readonly number[], b: Storage, bStrides: readonly number[], outShape: readonly number[]): Storage {
    const av = f32(a);
    const bv = f32(b);
    let size = 1;
    for (const d of outShape) size *= d;
    if (isComparison(op)) {
      const mask = new Uint8Array(size);
      forEachStrided(outShape, [aStrides, bStrides], [0, 0], (start, count, [ao, bo], [as, bs]) => compareRun(op, mask, start, count, av, ao, as, bv, bo, bs));
      return new CpuStorage(mask, 'u8');
    }
    const out = this.pool.take(size);
    forEachStrided(outShape, [aStrides, bStrides], [0, 0], (start, count, [ao, bo], [as, bs]) => binaryRun(op, out, start, count, av, ao, as, bv, bo, bs));
    return new CpuStorage(out, 'f32');
  }

  where(cond: Storage, cStrides: readonly number[], a: Storage, aStrides: readonly number[], b: Storage, bStrides: readonly number[], outShape: readonly number[]): Storage {
    const cv = (cond as CpuStorage).data;
    const av = f32(a);
    const bv = f32(b);
    let size = 1;
    for (const d of outShape) size *= d;
    const out = this.pool.take(size);
    forEachStrided(outShape, [cStrides, aStrides, bStrides], [0, 0, 0], (start, count, [co, ao, bo], [cs, as, bs]) => {
      for (let i = 0; i < count; i++) out[start + i] = cv[co + i * cs] ? av[ao + i * as] : bv[bo + i * bs];
    });
    return new CpuStorage(out, 'f32');
  }

  reduce(op: ReduceOp, x: Storage, outer: number, inner: number): Storage {
    const a = f32(x);
    if (op === 'argmax' || op === 'argmin') {
      const out = new Int32Array(outer);
      const better = op === 'argmax' ? (v: number, best: number) => v > best : (v: number, best: number) => v < best;
      for (let o = 0; o < outer; o++) {
        let best = a[o * inner];
        let bi = 0;
        for (let i = 1; i < inner; i++) {
          const v = a[o * inner + i];
          if (better(v, best) || (Number.isNaN(v) && !Number.isNaN(best))) {
            best = v;
            bi = i;
          }
        }
        out[o] = bi;
      }
      return new CpuStorage(out, 'i32');
    }
    const out = new Float32Array(outer);
    for (let o = 0; o < outer; o++) {
      const base = o * inner;
      if (op === 'sum') {
        // Pairwise-style two-level summation keeps f32 error near sqrt(n) * eps, like PyTorch's cascade sum.
        let total = 0;
        for (let c = 0; c < inner; c += 256) {
          let part = 0;
          const end = Math.min(inner, c + 256);
          for (let i = c; i < end; i++) part += a[base + i];
          total += part;
        }
        out[o] = total;
      } else {
        let v = inner > 0 ? a[base] : op === 'max' ? -Infinity : Infinity;
        for (let i = 1; i < inner; i++) {
          const x2 = a[base + i];
          if (op === 'max' ? x2 > v || Number.isNaN(x2) : x2 < v || Number.isNaN(x2)) v = x2;
        }
        out[o] = v;
      }
    }
    return new CpuStorage(out, 'f32');
  }

  reduceMiddle(op: 'sum' | 'max' | 'min', x: Storage, outer: number, reduce: number, inner: number): Storage {
    return new CpuStorage(reduceMiddleJs(op, f32(x), outer, reduce, inner), 'f32');
  }

  matmul(a: Storage, b: Storage, p: MatmulParams): Storage {
    const out = this.pool.take(p.batch * p.m * p.n);
    if (this.wasm && p.m * p.n * p.k >= WASM_MIN_MACS) this.wasm.matmul(f32(a), f32(b), out, p);
    else matmulJs(f32(a), f32(b), out, p);
    return new CpuStorage(out, 'f32');
  }

  matmulFused(a: Storage, b: Storage, p: MatmulParams, epilogue: MatmulEpilogue): Storage {
    const rows = p.batch * p.m;
    const into = epilogue.into ? f32(epilogue.into) : null;
    if (into && into.length !== rows * p.n) throw new TensorError(`cpu matmul: accumulation target has ${into.length} elements, expected ${rows * p.n}`);
    const bias = epilogue.bias ? f32(epilogue.bias) : null;
    if (bias && bias.length !== p.n) throw new TensorError(`cpu matmul: bias has ${bias.length} elements, expected n = ${p.n}`);
    const out = this.matmul(a, b, p);
    const ab = f32(out);
    applyEpilogue(ab, rows, p.n, epilogue.alpha ?? 1, into, bias, epilogue.activation ?? null);
    if (!into) return out;
    into.set(ab);
    this.free(out);
    return epilogue.into!;
  }

  copy(src: Storage, srcView: StridedView, dst: Storage, dstView: StridedView, shape: readonly number[]): void {
    const s = (src as CpuStorage).data;
    const d = (dst as CpuStorage).data;
    forEachStrided(shape, [srcView.strides, dstView.strides], [srcView.offset, dstView.offset], (_start, count, [so, dO], [ss, ds]) => {
      if (ss === 1 && ds === 1) d.set(s.subarray(so, so + count), dO);
      else for (let i = 0; i < count; i++) d[dO + i * ds] = s[so + i * ss];
    });
  }

  indexedSum(src: Storage, map: IndexMap, batch: number, srcBatchStride: number): Storage {
    const s = f32(src);
    const { rowPtr, colIdx, rows } = map;
    const out = this.pool.take(batch * rows);
    for (let b = 0; b < batch; b++) {
      const sb = b * srcBatchStride;
      const ob = b * rows;
      for (let r = 0; r < rows; r++) {
        let acc = 0;
        for (let j = rowPtr[r]; j < rowPtr[r + 1]; j++) acc += s[sb + colIdx[j]];
        out[ob + r] = acc;
      }
    }
    return new CpuStorage(out, 'f32');
  }

  gather(src: Storage, index: Storage, outer: number, axisLen: number, inner: number): Storage {
    const s = f32(src);
    const idx = (index as CpuStorage).data as Int32Array;
    const count = idx.length;
    const out = this.pool.take(outer * count * inner);
    for (let i = 0; i < count; i++) {
      const v = idx[i];
      if (v < 0 || v >= axisLen) throw new TensorError(`gather: index ${v} at position ${i} is out of range [0, ${axisLen})`);
    }
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < count; i++) {
        const from = (o * axisLen + idx[i]) * inner;
        out.set(s.subarray(from, from + inner), (o * count + i) * inner);
      }
    }
    return new CpuStorage(out, 'f32');
  }

  softmaxRows(x: Storage, rows: number, cols: number, log: boolean): Storage {
    const a = f32(x);
    if (this.wasm && !log && a.length >= WASM_MIN_ELEMENTS) {
      const out = this.pool.take(a.length);
      this.wasm.softmax(a, out, { rows, cols });
      return new CpuStorage(out, 'f32');
    }
    return new CpuStorage(softmaxRowsJs(a, rows, cols, log), 'f32');
  }

  normalizeRows(x: Storage, rows: number, cols: number, eps: number, center: boolean): { y: Storage; rstd: Storage } {
    const a = f32(x);
    if (this.wasm && a.length >= WASM_MIN_ELEMENTS) {
      const y = this.pool.take(a.length);
      const rstd = new Float32Array(rows);
      (center ? this.wasm.layerNorm : this.wasm.rmsNorm).call(this.wasm, a, y, { rows, cols, eps, rstd });
      return { y: new CpuStorage(y, 'f32'), rstd: new CpuStorage(rstd, 'f32') };
    }
    const { y, rstd } = normalizeRowsJs(a, rows, cols, eps, center);
    return { y: new CpuStorage(y, 'f32'), rstd: new CpuStorage(rstd, 'f32') };
  }

  normalizeRowsBackward(g: Storage, xhat: Storage, rstd: Storage, weight: Storage | null, rows: number, cols: number, center: boolean): { dx: Storage; dWeight: Storage; dBias: Storage } {
    const dx = this.pool.take(rows * cols);
    const { dWeight, dBias } = normalizeRowsBackwardJs(f32(g), f32(xhat), f32(rstd), weight && f32(weight), rows, cols, center, dx);
    return { dx: new CpuStorage(dx, 'f32'), dWeight: new CpuStorage(dWeight, 'f32'), dBias: new CpuStorage(dBias, 'f32') };
  }

  async sync(): Promise<void> {}

  destroy(): void {
    this.pool.clear();
  }
}
