import type { AttentionKernelParams, Backend, BinaryOp, IndexMap, MatmulEpilogue, MatmulParams, ReduceOp, Storage, StridedView, UnaryOp } from '../../device/backend.js';
import type { DType, StorageArray } from '../../dtype.js';
import { TensorError } from '../../errors.js';
import { BufferPool, type BufferPoolStats } from './buffer-pool.js';
import { CommandRecorder, type RecorderStats } from './command-recorder.js';
import { dispatchGrid } from './dispatch-grid.js';
import { BufferUsage, MAP_MODE_READ } from './gpu-flags.js';
import { WebGpuStorage } from './gpu-storage.js';
import { MAX_ATTENTION_HEAD_DIM, webGpuFlashAttention, webGpuFlashAttentionBackward, type AttentionHost } from './webgpu-attention.js';
import { binaryKernel } from './kernels/binary.wgsl.js';
import { castKernel, packHalvesKernel, unpackHalvesKernel } from './kernels/cast.wgsl.js';
import { copyHalvesKernel } from './kernels/copy-halves.wgsl.js';
import { copyKernel } from './kernels/copy.wgsl.js';
import { fillKernel } from './kernels/fill.wgsl.js';
import { gatherKernel } from './kernels/gather.wgsl.js';
import { indexedSumKernel } from './kernels/indexed-sum.wgsl.js';
import { splitKReduceKernel } from './kernels/matmul-split-k-reduce.wgsl.js';
import { matmulBlockCols, matmulKernel, type MatmulConfig } from './kernels/matmul.wgsl.js';
import { splitKPlan, type SplitKPlan } from './matmul-split-k.js';
import { reduceRowsKernel, reduceWorkgroupKernel, ROW_PER_THREAD_MAX_INNER } from './kernels/reduce.wgsl.js';
import { maxStridedRank, stridedParams } from './kernels/strided-index.wgsl.js';
import { unaryKernel } from './kernels/unary.wgsl.js';
import { whereKernel } from './kernels/where.wgsl.js';
import { WORKGROUP_SIZE } from './kernels/wgsl-prelude.js';
import type { KernelSource } from './pipeline-cache.js';
import { PipelineCache, type PipelineCacheStats } from './pipeline-cache.js';
import { collapseLayout, rowMajorStrides } from './strided-layout.js';
import { fillHalfPairWord, fillWord, fromGpuWords, fromPackedHalves, packedHalfBytes, toGpuWords, toPackedHalves } from './word-encoding.js';

/** Tuning knobs of the WebGPU backend. */
export interface WebGpuBackendOptions {
  /** Dispatches recorded before an automatic submit (each takes a 256-byte uniform slot). */
  maxDispatchesPerSubmit?: number;
  /** Cached IndexMap uploads kept (least recently used ones are dropped beyond this). */
  maxCachedIndexMaps?: number;
  /** Forces the matmul block: rows per workgroup (4 or 8), vec4 column groups per thread, threads per workgroup; default: by output size. */
  matmulShape?: MatmulShape | null;
  /** Forces matmul split-K: 1 never splits, s >= 2 splits K into s slices; default: by output size and K (matmul-split-k.ts). */
  matmulSplitK?: number | null;
}

const DEFAULTS = { maxDispatchesPerSubmit: 128, maxCachedIndexMaps: 256, matmulShape: null, matmulSplitK: null } satisfies Required<WebGpuBackendOptions>;

/** The register block of the matmul kernel (see MatmulConfig). */
export type MatmulShape = Pick<MatmulConfig, 'rows' | 'groups' | 'threads'>;

/** 8 rows x 1 vec4 group per thread, 8 threads: the steadiest block measured on lavapipe (README, Matmul). */
const MATMUL_BLOCK: MatmulShape = { rows: 8, groups: 1, threads: 8 };
/** For m <= 4 (rows past m are computed and dropped): 4 rows x 2 groups ran m = 2, n = 3072, k = 768 2-3x faster. */
const MATMUL_BLOCK_FEW_ROWS: MatmulShape = { rows: 4, groups: 2, threads: 8 };

/** Counters of the backend's caches, for tests and benchmarks. */
export interface WebGpuBackendStats {
  pool: BufferPoolStats;
  pipelines: PipelineCacheStats;
  recorder: RecorderStats;
  indexMaps: number;
}

const STORAGE_USAGE = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;

interface UploadedMap {
  rowPtr: GPUBuffer;
  colIdx: GPUBuffer;
}

/** The backend's storage behind `s`; packed halves only where the caller reads that form (`packedOk`). */
function gpu(s: Storage, op: string, packedOk = false): WebGpuStorage {
  if (!(s instanceof WebGpuStorage)) throw new TensorError(`webgpu ${op}: storage does not belong to the webgpu backend`);
  if (s.freed) throw new TensorError(`webgpu ${op}: storage of ${s.size} ${s.dtype} elements was used after being freed (disposed tensor?)`);
  if (s.packed && !packedOk) throw new TensorError(`webgpu ${op}: got packed f16 storage of ${s.size} elements; the kernel reads 32-bit words, widen it with WebGpuBackend.words first`);
  return s;
}

function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** The WebGPU backend: 32-bit words in pooled GPUBuffers, WGSL kernels, batched command submission. */
export class WebGpuBackend implements Backend {
  readonly kind = 'webgpu' as const;
  private readonly pool: BufferPool;
  private readonly pipelines: PipelineCache;
  private readonly recorder: CommandRecorder;
  private readonly maxPerDim: number;
  private readonly indexMaps = new Map<string, UploadedMap>();
  private readonly opts: Required<WebGpuBackendOptions>;
  private failure: string | null = null;
  private destroyed = false;
  /** f16 tensors live as packed halves (the device has shader-f16). */
  readonly packedHalves: boolean;
  /** matmul reads packed f16 operands directly (Backend.halfMatmulOperands). */
  get halfMatmulOperands(): boolean {
    return this.packedHalves;
  }
  /** Word-form copies of packed inputs made by `words` for the op being recorded; freed by the next op. */
  private temps: WebGpuStorage[] = [];

  constructor(
    readonly device: GPUDevice,
    opts: WebGpuBackendOptions = {},
  ) {
    this.opts = { ...DEFAULTS, ...opts };
    this.pool = new BufferPool(device, STORAGE_USAGE);
    this.pipelines = new PipelineCache(device);
    this.recorder = new CommandRecorder(device, this.pipelines, this.pool, this.opts.maxDispatchesPerSubmit);
    this.maxPerDim = device.limits.maxComputeWorkgroupsPerDimension;
    this.packedHalves = device.features.has('shader-f16');
  }

  /** Records a fatal device problem (lost device, validation error); the next read/sync throws it. */
  fail(message: string): void {
    this.failure ??= message;
  }

  private check(op: string): void {
    if (this.destroyed) throw new TensorError(`webgpu ${op}: the device was destroyed`);
    if (this.failure) throw new TensorError(`webgpu ${op}: ${this.failure}`);
    // Every op starts here, after the previous op recorded all of its dispatches: its temporaries
    // can go (free() parks them until the next submit, so the recorded dispatches still see them).
    if (this.temps.length) {
      for (const t of this.temps) this.free(t);
      this.temps = [];
    }
  }

  private alloc(size: number, dtype: DType, hostIndex: Int32Array | null = null, packed = dtype === 'f16' && this.packedHalves): WebGpuStorage {
    return new WebGpuStorage(this.pool.acquire(packed ? packedHalfBytes(size) : Math.max(1, size) * 4), size, dtype, hostIndex, packed);
  }

  /**
   * `s` as 32-bit words for kernels that do not read packed halves: the one place packed f16 is
   * widened, into a temporary freed when the next op starts.
   */
  words(s: Storage, op: string): WebGpuStorage {
    const g = gpu(s, op, true);
    if (!g.packed) return g;
    const t = this.alloc(g.size, 'f16', null, false);
    if (g.size > 0) this.run(unpackHalvesKernel('f16'), [g.size], [g.buffer, t.buffer], this.grid1d(g.size));
    this.temps.push(t);
    return t;
  }

  private run(kernel: KernelSource, params: ArrayLike<number>, buffers: GPUBuffer[], groups: [number, number, number]): void {
    this.recorder.dispatch({ kernel, params, buffers, groups });
  }

  private grid1d(n: number): [number, number, number] {
    return dispatchGrid(Math.ceil(n / WORKGROUP_SIZE), this.maxPerDim);
  }

  upload(data: StorageArray, dtype: DType): Storage {
    this.check('upload');
    const keepIndex = dtype === 'i32' && data.length <= 1 << 20 ? (data as Int32Array).slice() : null;
    const out = this.alloc(data.length, dtype, keepIndex);
    if (data.length > 0 && out.packed) {
      const halves = toPackedHalves(data as Uint16Array);
      this.device.queue.writeBuffer(out.buffer, 0, halves.buffer, halves.byteOffset, halves.byteLength);
    } else if (data.length > 0) {
      const words = toGpuWords(data, dtype);
      this.device.queue.writeBuffer(out.buffer, 0, words.buffer, words.byteOffset, words.byteLength);
    }
    return out;
  }

  async read(storage: Storage): Promise<StorageArray> {
    this.check('read');
    const s = gpu(storage, 'read', true);
    const bytes = s.packed ? packedHalfBytes(s.size) : Math.max(4, s.size * 4);
    const staging = this.device.createBuffer({ size: bytes, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
    try {
      this.recorder.copyEncoder().copyBufferToBuffer(s.buffer, 0, staging, 0, bytes);
      this.recorder.submit();
      await staging.mapAsync(MAP_MODE_READ);
      this.check('read');
      const words = staging.getMappedRange().slice(0);
      return s.packed ? fromPackedHalves(words, s.size) : fromGpuWords(words, s.size, s.dtype);
    } catch (error) {
      if (error instanceof TensorError) throw error;
      throw new TensorError(`webgpu read of ${s.size} ${s.dtype} elements failed: ${this.failure ?? (error as Error).message}`);
    } finally {
      staging.destroy();
    }
  }

  free(storage: Storage): void {
    const s = storage as WebGpuStorage;
    if (s.freed || this.destroyed) return;
    s.freed = true;
    this.pool.release(s.buffer);
  }

  fill(size: number, dtype: DType, value: number): Storage {
    this.check('fill');
    const out = this.alloc(size, dtype);
    if (size === 0) return out;
    if (out.packed) this.run(fillKernel(), [Math.ceil(size / 2), fillHalfPairWord(value)], [out.buffer], this.grid1d(Math.ceil(size / 2)));
    else this.run(fillKernel(), [size, fillWord(value, dtype)], [out.buffer], this.grid1d(size));
    return out;
  }

  cast(x: Storage, to: DType): Storage {
    this.check('cast');
    const s = gpu(x, 'cast', true);
    const out = this.alloc(s.size, to, to === s.dtype ? s.hostIndex : null);
    if (s.size === 0) return out;
    if (s.dtype === to && s.packed === out.packed) this.recorder.copyEncoder().copyBufferToBuffer(s.buffer, 0, out.buffer, 0, s.packed ? packedHalfBytes(s.size) : s.size * 4);
    else if (s.packed) this.run(unpackHalvesKernel(to), [s.size], [s.buffer, out.buffer], this.grid1d(s.size));
    else if (out.packed) this.run(packHalvesKernel(s.dtype), [s.size], [s.buffer, out.buffer], this.grid1d(Math.ceil(s.size / 2)));
    else this.run(castKernel(s.dtype, to), [s.size], [s.buffer, out.buffer], this.grid1d(s.size));
    return out;
  }

  unary(op: UnaryOp, x: Storage): Storage {
    this.check(op);
    const s = this.words(x, op);
    const out = this.alloc(s.size, 'f32');
    if (s.size > 0) this.run(unaryKernel(op), [s.size], [s.buffer, out.buffer], this.grid1d(s.size));
    return out;
  }

  binary(op: BinaryOp, a: Storage, aStrides: readonly number[], b: Storage, bStrides: readonly number[], outShape: readonly number[]): Storage {
    this.check(op);
    const sa = this.words(a, op);
    const sb = this.words(b, op);
    const n = sizeOf(outShape);
    const comparison = op === 'eq' || op === 'ne' || op === 'lt' || op === 'le' || op === 'gt' || op === 'ge';
    const out = this.alloc(n, comparison ? 'u8' : 'f32');
    if (n === 0) return out;
    const layout = collapseLayout(outShape, [aStrides, bStrides, rowMajorStrides(outShape)]);
    this.checkRank(op, layout.shape.length, 2);
    const params = stridedParams(n, layout.shape, layout.strides.slice(0, 2), [0, 0]);
    this.run(binaryKernel(op, layout.shape.length), params, [sa.buffer, sb.buffer, out.buffer], this.grid1d(n));
    return out;
  }

  where(cond: Storage, cStrides: readonly number[], a: Storage, aStrides: readonly number[], b: Storage, bStrides: readonly number[], outShape: readonly number[]): Storage {
    this.check('where');
    const sc = this.words(cond, 'where');
    const sa = this.words(a, 'where');
    const sb = this.words(b, 'where');
    const n = sizeOf(outShape);
    const out = this.alloc(n, 'f32');
    if (n === 0) return out;
    const layout = collapseLayout(outShape, [cStrides, aStrides, bStrides, rowMajorStrides(outShape)]);
    this.checkRank('where', layout.shape.length, 3);
    const params = stridedParams(n, layout.shape, layout.strides.slice(0, 3), [0, 0, 0]);
    this.run(whereKernel(layout.shape.length), params, [sc.buffer, sa.buffer, sb.buffer, out.buffer], this.grid1d(n));
    return out;
  }

  reduce(op: ReduceOp, x: Storage, outer: number, inner: number): Storage {
    this.check(op);
    const s = this.words(x, op);
    const out = this.alloc(outer, op === 'argmax' || op === 'argmin' ? 'i32' : 'f32');
    if (outer === 0) return out;
    if (inner <= ROW_PER_THREAD_MAX_INNER) this.run(reduceRowsKernel(op), [outer, inner], [s.buffer, out.buffer], this.grid1d(outer));
    else this.run(reduceWorkgroupKernel(op), [outer, inner], [s.buffer, out.buffer], dispatchGrid(outer, this.maxPerDim));
    return out;
  }

  matmul(a: Storage, b: Storage, p: MatmulParams): Storage {
    return this.matmulFused(a, b, p, {});
  }

  /**
   * matmul with a fused epilogue: out = activation(alpha * a @ b + into + bias) where bias (f32, length n)
   * is added to every row (Backend.matmulFused).
   */
  matmulFused(a: Storage, b: Storage, p: MatmulParams, epilogue: MatmulEpilogue): Storage {
    this.check('matmul');
    const bias = epilogue.bias ? this.words(epilogue.bias, 'matmul bias') : null;
    if (bias && bias.size !== p.n) throw new TensorError(`webgpu matmul: bias has ${bias.size} elements, expected n = ${p.n}`);
    const activation = epilogue.activation ?? null;
    const into = epilogue.into ? gpu(epilogue.into, 'matmul into') : null;
    if (into && into.size !== p.batch * p.m * p.n) throw new TensorError(`webgpu matmul: accumulation target has ${into.size} elements, expected ${p.batch * p.m * p.n}`);
    // Packed f16 operands are read as halves by the kernel (no widened copy).
    const sa = gpu(a, 'matmul', true);
    const sb = gpu(b, 'matmul', true);
    const out = into ?? this.alloc(p.batch * p.m * p.n, 'f32');
    if (p.batch * p.m * p.n === 0) return out;
    if (p.k === 0 && !bias && !activation && !into) {
      this.run(fillKernel(), [p.batch * p.m * p.n, 0], [out.buffer], this.grid1d(p.batch * p.m * p.n));
      return out;
    }
    // vec4 loads need the contiguous axis and the batch stride of the operand to be multiples of 4.
    const vecA = (p.transA ? p.m : p.k) % 4 === 0 && p.aBatchStride % 4 === 0;
    const vecB = (p.transB ? p.k : p.n) % 4 === 0 && p.bBatchStride % 4 === 0;
    const shape = this.opts.matmulShape ?? (p.m <= 4 ? MATMUL_BLOCK_FEW_ROWS : MATMUL_BLOCK);
    const cols = matmulBlockCols(shape);
    const fit = vecA && vecB && p.m % shape.rows === 0 && p.n % cols === 0 && p.k % 4 === 0;
    const config: MatmulConfig = { transA: p.transA, transB: p.transB, ...shape, vecA, vecB, fit, formA: sa.packed ? 'f16' : 'f32', formB: sb.packed ? 'f16' : 'f32', bias: bias !== null, activation, accumulate: into !== null };
    const alpha = new Uint32Array(new Float32Array([epilogue.alpha ?? 1]).buffer)[0];
    const gx = Math.ceil(p.n / cols);
    const rowBlocks = Math.ceil(p.m / shape.rows);
    if (gx > this.maxPerDim) throw new TensorError(`webgpu matmul: n = ${p.n} needs ${gx} workgroups of ${cols} columns, over the limit of ${this.maxPerDim}`);
    const split = this.matmulSplitPlan(p, gx * rowBlocks * p.batch);
    if (split) {
      this.matmulSplitK(sa.buffer, sb.buffer, out.buffer, bias?.buffer ?? null, p, config, split, alpha, gx, rowBlocks);
      return out;
    }
    const kernel = matmulKernel(config);
    const buffers = [sa.buffer, sb.buffer, out.buffer];
    if (bias) buffers.push(bias.buffer);
    // Batches and row blocks beyond the per-dimension workgroup limit go to further dispatches.
    for (let base = 0; base < p.batch; base += this.maxPerDim) {
      const count = Math.min(this.maxPerDim, p.batch - base);
      for (let rowBase = 0; rowBase < rowBlocks; rowBase += this.maxPerDim) {
        const gy = Math.min(this.maxPerDim, rowBlocks - rowBase);
        this.run(kernel, [p.m, p.n, p.k, p.aBatchStride, p.bBatchStride, base, alpha, rowBase], buffers, [gx, gy, count]);
      }
    }
    return out;
  }

  /** The split-K plan of a matmul whose blocks make `workgroups` workgroups, or null (matmul-split-k.ts). */
  matmulSplitPlan(p: MatmulParams, workgroups: number): SplitKPlan | null {
    // The partials [slices, batch, m, n] must fit one storage binding; a z dispatch holds whole batches.
    const maxByMemory = Math.floor(this.device.limits.maxStorageBufferBindingSize / (4 * p.batch * p.m * p.n));
    return splitKPlan(workgroups, p.k, this.opts.matmulSplitK, Math.min(maxByMemory, this.maxPerDim));
  }

  /**
   * Split-K matmul: the block kernel writes each K slice's plain product to pooled partials
   * [slices, batch, m, n] (workgroup z = batch * slices + slice), then one reduction sums the
   * slices in order and applies the epilogue. Deterministic: no atomics.
   */
  private matmulSplitK(a: GPUBuffer, b: GPUBuffer, out: GPUBuffer, bias: GPUBuffer | null, p: MatmulParams, config: MatmulConfig, split: SplitKPlan, alpha: number, gx: number, rowBlocks: number): void {
    const outputs = p.batch * p.m * p.n;
    const partials = this.pool.acquire(4 * split.slices * outputs);
    const kernel = matmulKernel({ ...config, bias: false, activation: null, accumulate: false, splitK: true });
    const batchesPerDispatch = Math.floor(this.maxPerDim / split.slices);
    for (let base = 0; base < p.batch; base += batchesPerDispatch) {
      const count = Math.min(batchesPerDispatch, p.batch - base);
      for (let rowBase = 0; rowBase < rowBlocks; rowBase += this.maxPerDim) {
        const gy = Math.min(this.maxPerDim, rowBlocks - rowBase);
        this.run(kernel, [p.m, p.n, p.k, p.aBatchStride, p.bBatchStride, base, 0, rowBase, p.batch, split.slices, split.chunk], [a, b, partials], [gx, gy, count * split.slices]);
      }
    }
    const vec4 = p.n % 4 === 0;
    const reduce = splitKReduceKernel({ vec4, bias: bias !== null, activation: config.activation, accumulate: config.accumulate });
    const buffers = [partials, out];
    if (bias) buffers.push(bias);
    this.run(reduce, [outputs, p.n, split.slices, 0, 0, 0, alpha], buffers, this.grid1d(vec4 ? outputs / 4 : outputs));
    // Parked until the recorded dispatches are submitted (BufferPool.release).
    this.pool.release(partials);
  }

  copy(src: Storage, srcView: StridedView, dst: Storage, dstView: StridedView, shape: readonly number[]): void {
    this.check('copy');
    let s = gpu(src, 'copy', true);
    const d = gpu(dst, 'copy', true);
    const n = sizeOf(shape);
    if (n === 0) return;
    // Both sides are the same dtype, so packed meets packed; the word form of a temp may meet either.
    if (s.packed !== d.packed) s = d.packed ? gpu(this.cast(s, s.dtype), 'copy', true) : this.words(s, 'copy');
    const aliased = s.buffer === d.buffer;
    if (aliased) s = gpu(this.cast(s, s.dtype), 'copy', true);
    const layout = collapseLayout(shape, [srcView.strides, dstView.strides]);
    const rank = layout.shape.length;
    const contiguous = rank <= 1 && (rank === 0 || (layout.strides[0][0] === 1 && layout.strides[1][0] === 1));
    if (contiguous && !d.packed) {
      this.recorder.copyEncoder().copyBufferToBuffer(s.buffer, srcView.offset * 4, d.buffer, dstView.offset * 4, n * 4);
    } else if (contiguous && srcView.offset % 2 === 0 && dstView.offset % 2 === 0 && (n % 2 === 0 || dstView.offset + n === d.size)) {
      // Whole words of halves (an odd tail only where it ends the destination, whose pad half is unused).
      this.recorder.copyEncoder().copyBufferToBuffer(s.buffer, srcView.offset * 2, d.buffer, dstView.offset * 2, packedHalfBytes(n));
    } else {
      this.checkRank('copy', rank, 2);
      const params = stridedParams(n, layout.shape, layout.strides, [srcView.offset, dstView.offset]);
      this.run(d.packed ? copyHalvesKernel(rank) : copyKernel(rank), params, [s.buffer, d.buffer], this.grid1d(n));
    }
    if (aliased) this.free(s);
  }

  indexedSum(src: Storage, map: IndexMap, batch: number, srcBatchStride: number): Storage {
    this.check('indexedSum');
    const s = this.words(src, 'indexedSum');
    const n = batch * map.rows;
    const out = this.alloc(n, 'f32');
    if (n === 0) return out;
    const uploaded = this.uploadedMap(map);
    this.run(indexedSumKernel(), [n, map.rows, srcBatchStride], [s.buffer, uploaded.rowPtr, uploaded.colIdx, out.buffer], this.grid1d(n));
    return out;
  }

  private uploadedMap(map: IndexMap): UploadedMap {
    const cached = this.indexMaps.get(map.key);
    if (cached) {
      // Re-insert so Map iteration order is least-recently-used first.
      this.indexMaps.delete(map.key);
      this.indexMaps.set(map.key, cached);
      return cached;
    }
    const upload = (data: Int32Array): GPUBuffer => {
      const buffer = this.device.createBuffer({ size: Math.max(4, data.byteLength), usage: BufferUsage.STORAGE | BufferUsage.COPY_DST });
      if (data.length) this.device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
      return buffer;
    };
    const entry = { rowPtr: upload(map.rowPtr), colIdx: upload(map.colIdx) };
    this.indexMaps.set(map.key, entry);
    if (this.indexMaps.size > this.opts.maxCachedIndexMaps) {
      const [oldKey, old] = this.indexMaps.entries().next().value as [string, UploadedMap];
      this.indexMaps.delete(oldKey);
      // Pending dispatches may still read the evicted map: destroy it only after they are submitted.
      this.recorder.submit();
      old.rowPtr.destroy();
      old.colIdx.destroy();
    }
    return entry;
  }

  /** Head dims above this take the op layer's composite attention (register budget of the fused kernels). */
  readonly maxFlashAttentionHeadDim = MAX_ATTENTION_HEAD_DIM;

  /** Backend.flashAttention: fused attention forward with each row's logsumexp (webgpu-attention.ts). */
  flashAttention(q: Storage, k: Storage, v: Storage, p: AttentionKernelParams): { out: Storage; lse: Storage } {
    this.check('flashAttention');
    return webGpuFlashAttention(this.attentionHost(), q, k, v, p);
  }

  /** Backend.flashAttentionBackward: dq, dk, dv recomputing probabilities from lse (webgpu-attention.ts). */
  flashAttentionBackward(q: Storage, k: Storage, v: Storage, out: Storage, dOut: Storage, lse: Storage, p: AttentionKernelParams): { dq: Storage; dk: Storage; dv: Storage } {
    this.check('flashAttentionBackward');
    return webGpuFlashAttentionBackward(this.attentionHost(), q, k, v, out, dOut, lse, p);
  }

  private attentionHost(): AttentionHost {
    return {
      fill: (size, dtype, value) => this.fill(size, dtype, value),
      alloc: (size) => this.alloc(size, 'f32'),
      free: (s) => this.free(s),
      dispatch: (kernel, params, buffers, groups) => this.run(kernel, params, buffers, groups),
      copyBuffer: (src, dst, bytes) => this.recorder.copyEncoder().copyBufferToBuffer(src, 0, dst, 0, bytes),
      matmul: (a, b, p, epilogue) => this.matmulFused(a, b, p, epilogue),
      maxPerDim: this.maxPerDim,
    };
  }

  gather(src: Storage, index: Storage, outer: number, axisLen: number, inner: number): Storage {
    this.check('gather');
    const s = this.words(src, 'gather');
    const idx = gpu(index, 'gather');
    if (idx.dtype !== 'i32') throw new TensorError(`webgpu gather: index must be i32, got ${idx.dtype}`);
    if (idx.hostIndex) {
      for (let i = 0; i < idx.hostIndex.length; i++) {
        const v = idx.hostIndex[i];
        if (v < 0 || v >= axisLen) throw new TensorError(`gather: index ${v} at position ${i} is out of range [0, ${axisLen})`);
      }
    }
    const count = idx.size;
    const n = outer * count * inner;
    const out = this.alloc(n, 'f32');
    if (n > 0) this.run(gatherKernel(), [n, count, inner, axisLen], [s.buffer, idx.buffer, out.buffer], this.grid1d(n));
    return out;
  }

  async sync(): Promise<void> {
    this.check('sync');
    this.recorder.submit();
    await this.device.queue.onSubmittedWorkDone();
    this.check('sync');
  }

  /** Submits recorded work without waiting for it. */
  flush(): void {
    this.recorder.submit();
  }

  /** Destroys pooled buffers that are not in use; returns the bytes released. */
  trim(): number {
    this.recorder.submit();
    return this.pool.trim();
  }

  stats(): WebGpuBackendStats {
    return { pool: this.pool.stats(), pipelines: this.pipelines.stats(), recorder: this.recorder.stats(), indexMaps: this.indexMaps.size };
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.recorder.destroy();
    this.pool.destroy();
    for (const entry of this.indexMaps.values()) {
      entry.rowPtr.destroy();
      entry.colIdx.destroy();
    }
    this.indexMaps.clear();
  }

  private checkRank(op: string, rank: number, operands: number): void {
    const max = maxStridedRank(operands);
    if (rank > max) throw new TensorError(`webgpu ${op}: ${rank} non-contiguous dims after merging, the kernel supports at most ${max}`);
  }
}
