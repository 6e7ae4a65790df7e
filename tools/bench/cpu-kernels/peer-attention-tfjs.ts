/**
 * tfjs-wasm attention peer: softmax(q k^T * scale) v with batched tf.matMul / tf.softmax, forward
 * and (keys "bwd:<case>") the tf.grads backward for q, k, v. `--threads N` as in peer-tfjs-wasm.ts.
 */
import { attentionInputs, caseKey, casesFromArgs } from './attention-cases.js';
import { emit, measure, numberArg, type Timing } from './measure.js';
import { loadTfjsWasm } from './tfjs-wasm-loader.js';

const threads = numberArg(process.argv, 'threads', 2);
const cases = casesFromArgs(process.argv);
const { tf, threads: actual, simd, name } = await loadTfjsWasm(threads);

const out: Record<string, Timing> = {};
for (const c of cases) {
  const x = attentionInputs(c);
  const shape: [number, number, number] = [c.bh, c.seq, c.dim];
  const [q, k, v, dO] = [x.q, x.k, x.v, x.dO].map((a) => tf.tensor3d(a, shape));
  const scale = 1 / Math.sqrt(c.dim);
  // tf.grads' transposed matMuls run at a few GFLOP/s: fewer runs once a case passes 1 GFLOP.
  const opts = 4 * c.bh * c.seq * c.seq * c.dim > 1e9 ? { warmup: 1, minRuns: 3, maxRuns: 3, minTimeMs: 0 } : { maxRuns: 15 };
  const attend = (qq: import('@tensorflow/tfjs').Tensor, kk: import('@tensorflow/tfjs').Tensor, vv: import('@tensorflow/tfjs').Tensor) =>
    tf.matMul(tf.softmax(tf.mul(tf.matMul(qq, kk, false, true), scale)), vv);
  out[caseKey(c)] = await measure(() => {
    const o = tf.tidy(() => attend(q, k, v));
    o.dataSync();
    o.dispose();
  }, opts);
  const grads = tf.grads((qq, kk, vv) => attend(qq, kk, vv) as import('@tensorflow/tfjs').Tensor3D);
  out[`bwd:${caseKey(c)}`] = await measure(() => {
    const g = tf.tidy(() => grads([q, k, v], dO));
    for (const t of g) t.dataSync();
    tf.dispose(g);
  }, opts);
  tf.dispose([q, k, v, dO]);
  process.stderr.write(`  tfjs ${caseKey(c)} done\n`);
}
emit({ peer: name, note: `simd=${simd} threads=${actual}; backward = tf.grads (forward recomputed)`, sizes: out });
process.exit(0);
