/**
 * tfjs with the WebAssembly backend (XNNPACK) multiplying square matrices.
 *   --threads 1: as shipped in Node; --threads N: SIMD + N threads through the shim in tfjs-wasm-loader.ts.
 */
import { benchInput, emit, measure, numberArg, sizesFromArgs, type Timing } from './measure.js';
import { loadTfjsWasm } from './tfjs-wasm-loader.js';

const threads = numberArg(process.argv, 'threads', 1);
const sizes = sizesFromArgs(process.argv);
const { tf, threads: actual, simd, name } = await loadTfjsWasm(threads);

const out: Record<string, Timing> = {};
for (const n of sizes) {
  const a = tf.tensor2d(benchInput(n * n, 1), [n, n]);
  const b = tf.tensor2d(benchInput(n * n, 2), [n, n]);
  out[n] = await measure(() => {
    const c = tf.matMul(a, b);
    c.dataSync();
    c.dispose();
  });
  a.dispose();
  b.dispose();
}
emit({ peer: name, note: `simd=${simd} threads=${actual}`, sizes: out });
process.exit(0);
