/** Our WebAssembly SIMD GEMM (packages/tensor-core/src/backends/cpu/wasm) on `--threads N`. */
import { createWasmKernels } from '../../../packages/tensor-core/src/backends/cpu/wasm/index.js';
import { benchInput, emit, measure, numberArg, sizesFromArgs, type Timing } from './measure.js';

const threads = numberArg(process.argv, 'threads', 1);
const relaxed = !process.argv.includes('--plain-simd');
const sizes = sizesFromArgs(process.argv);
const kernels = await createWasmKernels({ threads, relaxedSimd: relaxed });

const out: Record<string, Timing> = {};
for (const n of sizes) {
  const a = benchInput(n * n, 1);
  const b = benchInput(n * n, 2);
  const c = new Float32Array(n * n);
  const p = { batch: 1, m: n, n, k: n, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 };
  out[n] = await measure(() => kernels.matmul(a, b, c, p));
}
const simd = kernels.relaxedSimd ? 'relaxed' : 'plain';
emit({ peer: `ours ${simd} ${kernels.threads}t`, note: `simd=${simd} threads=${kernels.threads}`, sizes: out });
kernels.dispose();
