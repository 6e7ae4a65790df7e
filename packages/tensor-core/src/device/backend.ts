import type { DType, StorageArray } from '../dtype.js';

/** An opaque handle to a backend's memory holding `size` elements of `dtype`. */
export interface Storage {
  readonly size: number;
  readonly dtype: DType;
}

/**
 * Elementwise unary kernels (f32 in, f32 out). The `*_grad` ops are derivatives (d/dx of the named
 * activation), so backward rules of activations are one kernel and one multiply, not a dozen passes.
 */
export type UnaryOp =
  | 'neg' | 'abs' | 'exp' | 'log' | 'sqrt' | 'rsqrt' | 'tanh' | 'sigmoid' | 'silu' | 'relu'
  | 'gelu_tanh' | 'gelu_erf' | 'square' | 'sin' | 'cos' | 'reciprocal' | 'sign' | 'step' | 'erf'
  | 'gelu_tanh_grad' | 'gelu_erf_grad' | 'silu_grad';

/** Elementwise binary kernels (f32 in; comparisons write u8, the rest f32). */
export type BinaryOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum'
  | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';

/** Reductions over the last axis of an [outer, inner] view. */
export type ReduceOp = 'sum' | 'max' | 'min' | 'argmax' | 'argmin';

/** A strided view of a storage: element (i0, i1, ...) lives at offset + sum(i_k * strides[k]). */
export interface StridedView {
  readonly offset: number;
  readonly strides: readonly number[];
}

/** Batched matmul parameters: out[b] (m x n) = op(A[b]) (m x k) @ op(B[b]) (k x n); a stride of 0 broadcasts. */
export interface MatmulParams {
  readonly batch: number;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly transA: boolean;
  readonly transB: boolean;
  readonly aBatchStride: number;
  readonly bBatchStride: number;
}

/** What `Backend.matmulFused` applies to each output before storing it. */
export interface MatmulEpilogue {
  /** f32 storage of length n added to every output row. */
  readonly bias?: Storage | null;
  readonly activation?: UnaryOp | null;
  /** Accumulate into this existing [batch, m, n] f32 storage: into = act(alpha * a b + into + bias). */
  readonly into?: Storage | null;
  readonly alpha?: number;
}

/**
 * A sparse linear map applied per batch: out[b, i] = sum over j in rowPtr[i]..rowPtr[i+1] of
 * src[b * srcBatchStride + colIdx[j]]. It expresses im2col, col2im, nearest resampling and their
 * adjoints with one deterministic kernel (no float atomics needed on the GPU).
 */
export interface IndexMap {
  readonly rowPtr: Int32Array;
  readonly colIdx: Int32Array;
  readonly rows: number;
  /** A stable key so backends can cache the uploaded map. */
  readonly key: string;
}

/** Fused attention over [batchHeads, seq, headDim] operands (see Backend.flashAttention). */
export interface AttentionKernelParams {
  readonly batchHeads: number;
  readonly seqQ: number;
  readonly seqK: number;
  readonly headDim: number;
  readonly scale: number;
  readonly causal: boolean;
  /** Additive f32 mask [seqQ, seqK] per group of `maskGroup` consecutive heads, groups `maskBatchStride` apart (0 = shared). */
  readonly mask: Storage | null;
  readonly maskBatchStride: number;
  readonly maskGroup: number;
}

/** Geometry of the optional conv2d kernels: x [batch, inChannels, height, width], w [outChannels, inChannels/groups, kh, kw], y [batch, outChannels, oh, ow]. */
export interface Conv2dKernelParams {
  readonly batch: number; readonly inChannels: number; readonly height: number; readonly width: number; readonly outChannels: number;
  readonly kh: number; readonly kw: number; readonly sh: number; readonly sw: number; readonly ph: number; readonly pw: number;
  readonly dh: number; readonly dw: number; readonly groups: number; readonly oh: number; readonly ow: number;
}

/**
 * What a compute backend provides. Every tensor is a contiguous storage; views (permute,
 * slice, expand, pad) are strided copies. Kernels take and return f32 storages unless noted.
 */
export interface Backend {
  readonly kind: 'cpu' | 'webgpu';
  /** Uploads host data in the dtype's storage representation (halves as Uint16Array bits). */
  upload(data: StorageArray, dtype: DType): Storage;
  /** Reads a storage back in its host representation. */
  read(storage: Storage): Promise<StorageArray>;
  /** Releases a storage's memory (back to the pool on GPU). */
  free(storage: Storage): void;
  /** A new storage filled with `value`. */
  fill(size: number, dtype: DType, value: number): Storage;
  /** Converts between dtypes (float->int truncates; ->u8 clamps to [0, 255]; halves round to nearest even). */
  cast(x: Storage, to: DType): Storage;
  unary(op: UnaryOp, x: Storage): Storage;
  /** out has `outShape`; a and b are read through their (broadcast) strides. */
  binary(op: BinaryOp, a: Storage, aStrides: readonly number[], b: Storage, bStrides: readonly number[], outShape: readonly number[]): Storage;
  /** out = cond ? a : b, with u8 cond, all three read through broadcast strides. */
  where(cond: Storage, cStrides: readonly number[], a: Storage, aStrides: readonly number[], b: Storage, bStrides: readonly number[], outShape: readonly number[]): Storage;
  /** Reduces each row of an [outer, inner] view; argmax/argmin write i32. */
  reduce(op: ReduceOp, x: Storage, outer: number, inner: number): Storage;
  matmul(a: Storage, b: Storage, p: MatmulParams): Storage;
  /** True when matmul / matmulFused read f16 operands as stored (accumulating in f32), so the op layer passes them uncast. */
  readonly halfMatmulOperands?: boolean;
  /** Optional: matmul with a fused epilogue, act(alpha * a b + into + bias); returns `into` when given. */
  matmulFused?(a: Storage, b: Storage, p: MatmulParams, epilogue: MatmulEpilogue): Storage;
  /** Copies `shape` elements from a strided view of src into a strided view of dst (same dtype). */
  copy(src: Storage, srcView: StridedView, dst: Storage, dstView: StridedView, shape: readonly number[]): void;
  /** Applies an IndexMap to `batch` slices of src (f32). */
  indexedSum(src: Storage, map: IndexMap, batch: number, srcBatchStride: number): Storage;
  /** out[o, i, n] = src[o, index[i], n] for a [outer, axisLen, inner] src and i32 indices. */
  gather(src: Storage, index: Storage, outer: number, axisLen: number, inner: number): Storage;
  /**
   * Optional fused kernels: softmax (or log-softmax) of each row of an [rows, cols] view. Ops fall
   * back to composites of the primitives above when a backend does not provide them.
   */
  softmaxRows?(x: Storage, rows: number, cols: number, log: boolean): Storage;
  /**
   * Optional fused kernel: normalises each row of [rows, cols] to (x - mean) * rstd (or x * rstd
   * without centring, for RMS norm) and returns the per-row rstd alongside.
   */
  normalizeRows?(x: Storage, rows: number, cols: number, eps: number, center: boolean): { y: Storage; rstd: Storage };
  /**
   * Optional gradients of normalizeRows followed by y = xhat * weight + bias (weight null: none):
   * dx, and the column sums dWeight = sum(g * xhat), dBias = sum(g), from the saved xhat and rstd.
   */
  normalizeRowsBackward?(g: Storage, xhat: Storage, rstd: Storage, weight: Storage | null, rows: number, cols: number, center: boolean): { dx: Storage; dWeight: Storage; dBias: Storage };
  /**
   * Optional: sum/max/min over the middle axis of an [outer, reduce, inner] view into [outer, inner],
   * so reducing leading axes (bias gradients) needs no transposing copy.
   */
  reduceMiddle?(op: 'sum' | 'max' | 'min', x: Storage, outer: number, reduce: number, inner: number): Storage;
  /** Largest head dim flashAttention takes (no limit when absent); larger heads use the composite. */
  readonly maxFlashAttentionHeadDim?: number;
  /** Optional fused attention (flash-style, no score matrix kept): the output and each row's logsumexp. */
  flashAttention?(q: Storage, k: Storage, v: Storage, p: AttentionKernelParams): { out: Storage; lse: Storage };
  /** Optional gradients of fused attention, recomputing probabilities from the saved logsumexp. */
  flashAttentionBackward?(q: Storage, k: Storage, v: Storage, out: Storage, dOut: Storage, lse: Storage, p: AttentionKernelParams): { dq: Storage; dk: Storage; dv: Storage };
  /** Optional direct conv2d, y = conv2d(x, w) + bias (no index map); present together with its two gradients below. */
  conv2d?(x: Storage, w: Storage, bias: Storage | null, p: Conv2dKernelParams): Storage;
  /** Optional: the input gradient of conv2d from dy and w. */
  conv2dInputGrad?(dy: Storage, w: Storage, p: Conv2dKernelParams): Storage;
  /** Optional: the weight gradient of conv2d from x and dy, summed over the batch. */
  conv2dWeightGrad?(x: Storage, dy: Storage, p: Conv2dKernelParams): Storage;
  /** Blocks until queued work is done (a no-op on synchronous backends). */
  sync(): Promise<void>;
  /** Releases every resource the backend holds. */
  destroy(): void;
}
