import { defaultThreads, sharedMemoryAvailable } from './default-threads.js';
import { ATTENTION_PHASES, runAttention, type AttentionParams } from './attention/attention-host.js';
import { GEMM_PHASES, runGemm, type MatmulParams } from './gemm/gemm-host.js';
import { kernelModuleBytes, MAX_MEMORY_PAGES } from './kernel-module.js';
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
  /** Stops the worker threads; the object is unusable afterwards. */
  dispose(): void;
}

/** Options of createWasmKernels. */
export interface WasmKernelOptions {
  /** Threads including the caller; default LORAFLOW_THREADS, else the available cores (1 without shared memory). */
  threads?: number;
  /** Use relaxed SIMD when the engine has it (in Node 20 this turns on V8's flag); default true. */
  relaxedSimd?: boolean;
}

/** Register block of the GEMM micro-kernel: 4 rows x 8 columns = 8 v128 accumulators, which V8 keeps in registers (larger blocks spill on x64). */
const MICRO = { mr: 4, nr: 8 } as const;

/** Generates, compiles and starts the WebAssembly CPU kernels. */
export async function createWasmKernels(opts: WasmKernelOptions = {}): Promise<WasmKernels> {
  const shared = sharedMemoryAvailable();
  let threads = opts.threads ?? (await defaultThreads());
  if (!Number.isInteger(threads) || threads < 1) throw new WasmKernelError(`createWasmKernels: threads=${threads}, expected a positive integer`);
  if (!shared) threads = 1;
  const relaxedSimd = (opts.relaxedSimd ?? true) && (await detectRelaxedSimd(true));

  const bytes = kernelModuleBytes({ relaxedSimd, sharedMemory: shared, gemm: MICRO });
  const module = await WebAssembly.compile(bytes);
  const initial = Math.ceil(CONTROL_BYTES / 65536) + 16;
  const memory = new WebAssembly.Memory(
    shared ? { initial, maximum: MAX_MEMORY_PAGES, shared: true } : { initial, maximum: MAX_MEMORY_PAGES },
  );
  const phaseNames = [...GEMM_PHASES, ...ATTENTION_PHASES];
  const pool = await ThreadPool.create(module, memory, phaseNames, threads);
  const arena = new WasmArena(memory);
  const phaseIndex = { pack: phaseNames.indexOf('gemm_pack'), compute: phaseNames.indexOf('gemm_compute') };
  const attnPhases = { pack: phaseNames.indexOf('attn_pack'), compute: phaseNames.indexOf('attn_compute') };
  let disposed = false;
  const live = (what: string) => {
    if (disposed) throw new WasmKernelError(`wasm kernels: ${what} called after dispose()`);
  };

  return {
    threads: pool.threads,
    relaxedSimd,
    matmul(a, b, out, p) {
      live('matmul');
      runGemm(pool, arena, MICRO, phaseIndex, a, b, out, p);
    },
    attention(q, k, v, out, p) {
      live('attention');
      runAttention(pool, arena, attnPhases, q, k, v, out, p);
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      pool.dispose();
    },
  };
}
