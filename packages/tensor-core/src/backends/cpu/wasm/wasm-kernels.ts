import { defaultThreads, sharedMemoryAvailable } from './default-threads.js';
import { ATTENTION_BACKWARD_PHASES, runAttentionBackward, type AttentionGrads } from './attention/attention-backward-host.js';
import { ATTENTION_PHASES, runAttention, type AttentionParams } from './attention/attention-host.js';
import { runConvForward, runConvInputGrad, runConvWeightGrad, type ConvContext, type ConvParams } from './conv/conv-host.js';
import { CONV_PHASES } from './conv/conv-kernels.js';
import { CONV_PACK_PHASE } from './conv/conv-pack.js';
import { WINOGRAD_PHASES } from './conv/winograd-kernels.js';
import { GEMM_PHASES, runGemm, type MatmulParams } from './gemm/gemm-host.js';
import { kernelModuleBytes } from './kernel-module.js';
import { MAX_MEMORY_PAGES, WASM_PAGE_BYTES } from './memory-pages.js';
import { UNARY_KERNEL_OPS, type UnaryKernelOp } from './math/simd-activations.js';
import { ROW_PHASES } from './rows/row-kernels.js';
import { runNorm, runSoftmax, runUnary, type NormParams, type RowParams, type RowPhaseIndex } from './rows/row-host.js';
import { detectRelaxedSimd } from './relaxed-simd.js';
import { CONTROL_BYTES } from './thread-control.js';
import { ThreadPool } from './thread-pool.js';
import { WasmArena } from './wasm-arena.js';
import { WasmKernelError } from './wasm-kernel-error.js';

/** CPU kernels in WebAssembly SIMD running on a pool of threads; every call is synchronous. */
export interface WasmKernels {
  /** Threads taking part in each call, the calling thread included. */
  readonly threads: number;
  /** Whether the kernels were generated with relaxed SIMD (fused multiply-add). */
  readonly relaxedSimd: boolean;
  /** out[b] = op(A[b]) @ op(B[b]); a/b/out are ordinary Float32Arrays; inputs are copied into wasm memory (packing), result copied out. */
  matmul(a: Float32Array, b: Float32Array, out: Float32Array, p: MatmulParams): void;
  /** out = softmax(q k^T * scale + mask) v per head, without materialising the score matrix; q/out [batchHeads, seqQ, headDim], k/v [batchHeads, seqK, headDim]. */
  attention(q: Float32Array, k: Float32Array, v: Float32Array, out: Float32Array, p: AttentionParams): void;
  /** Gradients of `attention` from its inputs, output, logsumexp (p.lse of the forward) and dOut, recomputing the probabilities block by block. */
  attentionBackward(
    inputs: { q: Float32Array; k: Float32Array; v: Float32Array; o: Float32Array; dO: Float32Array; lse: Float32Array },
    grads: AttentionGrads,
    p: AttentionParams,
  ): void;
  /** out = softmax over the last axis of x viewed as [rows, cols]. */
  softmax(x: Float32Array, out: Float32Array, p: RowParams): void;
  /** Layer norm over the last axis: (x - mean) / sqrt(var + eps) * weight + bias; optionally returns mean and rstd per row. */
  layerNorm(x: Float32Array, out: Float32Array, p: NormParams): void;
  /** RMS norm over the last axis: x / sqrt(mean(x^2) + eps) * weight; optionally returns rstd per row. */
  rmsNorm(x: Float32Array, out: Float32Array, p: NormParams): void;
  /** out[i] = op(x[i]) for exp, tanh, sigmoid, silu, gelu (erf form) and geluTanh, over the first n elements (default all). */
  unary(op: UnaryKernelOp, x: Float32Array, out: Float32Array, n?: number): void;
  /** out [N, O, oh, ow] = conv2d(x [N, C, H, W], w [O, C/groups, kh, kw]) + bias (im2col on the threads, then the SIMD GEMM). */
  conv2d(x: Float32Array, w: Float32Array, bias: Float32Array | null, out: Float32Array, p: ConvParams): void;
  /** dx of conv2d from dy (GEMM with the transposed weight, then col2im on the threads). */
  conv2dInputGrad(dy: Float32Array, w: Float32Array, dx: Float32Array, p: ConvParams): void;
  /** dw of conv2d from x and dy, summed over the batch. */
  conv2dWeightGrad(x: Float32Array, dy: Float32Array, dw: Float32Array, p: ConvParams): void;
  /** Stops the worker threads; the object is unusable afterwards. */
  dispose(): void;
}

/** Options of createWasmKernels. */
export interface WasmKernelOptions {
  /** Threads including the caller; default LORAFLOW_THREADS, else the available cores (1 without shared memory). */
  threads?: number;
  /** Use relaxed SIMD when the engine has it (in Node 20 this turns on V8's flag); default true. */
  relaxedSimd?: boolean;
  /** Most 64 KiB pages of wasm memory to reserve (default 2 GiB, less where the host refuses); tests set a small one. */
  maxMemoryPages?: number;
}

/**
 * Register block of the GEMM micro-kernel (rows x 8 columns = 2 v128 accumulators per row).
 * V8 keeps 15 xmm registers allocatable on x64: with relaxed SIMD 6 x 8 uses 12 accumulators +
 * 2 B vectors + 1 broadcast and fits (12 independent FMA chains hide the FMA latency; measured
 * ~8% faster than 4 x 8); plain mul + add needs one more temporary, so 5 x 8 (6 x 8 spilled and
 * ran at half speed).
 */
const MICRO_RELAXED = { mr: 6, nr: 8 } as const;
const MICRO_PLAIN = { mr: 5, nr: 8 } as const;

/** Generates, compiles and starts the WebAssembly CPU kernels. */
export async function createWasmKernels(opts: WasmKernelOptions = {}): Promise<WasmKernels> {
  const shared = sharedMemoryAvailable();
  let threads = opts.threads ?? (await defaultThreads());
  if (!Number.isInteger(threads) || threads < 1) throw new WasmKernelError(`createWasmKernels: threads=${threads}, expected a positive integer`);
  if (!shared) threads = 1;
  const relaxedSimd = (opts.relaxedSimd ?? true) && (await detectRelaxedSimd(true));

  const micro = relaxedSimd ? MICRO_RELAXED : MICRO_PLAIN;
  const bytes = kernelModuleBytes({ relaxedSimd, sharedMemory: shared, gemm: micro });
  const module = await WebAssembly.compile(bytes);
  const { memory, maxPages } = createMemory(shared, opts.maxMemoryPages ?? MAX_MEMORY_PAGES);
  const phaseNames: string[] = [...GEMM_PHASES, ...ATTENTION_PHASES, ...ATTENTION_BACKWARD_PHASES, ...ROW_PHASES, ...CONV_PHASES, CONV_PACK_PHASE, ...WINOGRAD_PHASES];
  const pool = await ThreadPool.create(module, memory, phaseNames, threads);
  const arena = new WasmArena(memory, maxPages);
  const phaseIndex = { pack: phaseNames.indexOf('gemm_pack'), compute: phaseNames.indexOf('gemm_compute') };
  const attnPhases = { pack: phaseNames.indexOf('attn_pack'), compute: phaseNames.indexOf('attn_compute') };
  const attnBwdPhases = { pack: phaseNames.indexOf('attn_bwd_pack'), compute: phaseNames.indexOf('attn_bwd_compute') };
  const rowPhases = {
    softmax: phaseNames.indexOf('softmax_rows'),
    layernorm: phaseNames.indexOf('layernorm_rows'),
    rmsnorm: phaseNames.indexOf('rmsnorm_rows'),
    ...Object.fromEntries(UNARY_KERNEL_OPS.map((op) => [op, phaseNames.indexOf(`unary_${op}`)])),
  } as RowPhaseIndex;
  const conv: ConvContext = {
    pool, arena, micro,
    phases: { im2col: phaseNames.indexOf('conv_im2col'), col2im: phaseNames.indexOf('conv_col2im'), implicitPack: phaseNames.indexOf(CONV_PACK_PHASE), winoIn: phaseNames.indexOf('wino_in'), winoOut: phaseNames.indexOf('wino_out'), winoWgradIn: phaseNames.indexOf('wino_wgrad_in'), winoWgradOut: phaseNames.indexOf('wino_wgrad_out'), gemmPack: phaseIndex.pack, gemmCompute: phaseIndex.compute },
  };
  let disposed = false;
  const live = (what: string) => {
    if (disposed) throw new WasmKernelError(`wasm kernels: ${what} called after dispose()`);
  };

  return {
    threads: pool.threads,
    relaxedSimd,
    matmul(a, b, out, p) {
      live('matmul');
      runGemm(pool, arena, micro, phaseIndex, a, b, out, p);
    },
    attention(q, k, v, out, p) {
      live('attention');
      runAttention(pool, arena, attnPhases, q, k, v, out, p);
    },
    attentionBackward(inputs, grads, p) {
      live('attentionBackward');
      runAttentionBackward(pool, arena, attnBwdPhases, inputs, grads, p);
    },
    softmax(x, out, p) {
      live('softmax');
      runSoftmax(pool, arena, rowPhases, x, out, p);
    },
    layerNorm(x, out, p) {
      live('layerNorm');
      runNorm(pool, arena, rowPhases, 'layernorm', x, out, p);
    },
    rmsNorm(x, out, p) {
      live('rmsNorm');
      runNorm(pool, arena, rowPhases, 'rmsnorm', x, out, p);
    },
    unary(op, x, out, n) {
      live('unary');
      runUnary(pool, arena, rowPhases, op, x, out, n);
    },
    conv2d(x, w, bias, out, p) {
      live('conv2d');
      runConvForward(conv, x, w, bias, out, p);
    },
    conv2dInputGrad(dy, w, dx, p) {
      live('conv2dInputGrad');
      runConvInputGrad(conv, dy, w, dx, p);
    },
    conv2dWeightGrad(x, dy, dw, p) {
      live('conv2dWeightGrad');
      runConvWeightGrad(conv, x, dy, dw, p);
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      pool.dispose();
    },
  };
}

/**
 * The kernels' memory, 1 MiB to start. A shared memory reserves its maximum up front, which can
 * fail on small or 32-bit hosts: try 2 GiB, then 512 MiB, then 128 MiB.
 */
function createMemory(shared: boolean, cap: number): { memory: WebAssembly.Memory; maxPages: number } {
  const initial = Math.ceil(CONTROL_BYTES / WASM_PAGE_BYTES) + 16;
  let lastError: unknown = null;
  for (const maxPages of [MAX_MEMORY_PAGES, MAX_MEMORY_PAGES / 4, MAX_MEMORY_PAGES / 16].map((p) => Math.max(initial, Math.min(p, cap)))) {
    try {
      const desc = shared ? { initial, maximum: maxPages, shared: true } : { initial, maximum: maxPages };
      return { memory: new WebAssembly.Memory(desc), maxPages };
    } catch (e) {
      lastError = e;
    }
  }
  throw new WasmKernelError(`wasm kernels: cannot create a ${shared ? 'shared ' : ''}WebAssembly.Memory (${String(lastError)})`);
}
