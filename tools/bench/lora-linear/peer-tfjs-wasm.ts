/**
 * tfjs-wasm LoRA linear peer (SIMD + N threads through the shim in cpu-kernels/tfjs-wasm-loader.ts):
 * forward with tf.matMul and the step as tf.grads for x, A, B with W and b constant. Weights are held
 * in tfjs's own Dense layout, [in, out] (W^T, A^T, B^T): tfjs-wasm's matMul with transposeB on a
 * large right operand measured ~13x slower than on the pre-transposed one (409 vs 30 ms at
 * 576x256 times 1024x256), and a tfjs model would store its kernels that way.
 */
import { loadTfjsWasm } from '../cpu-kernels/tfjs-wasm-loader.js';
import { emit, measure, numberArg, type Timing } from '../cpu-kernels/measure.js';
import { caseKey, casesFromArgs, loraInputs, LORA_SCALE, measureOptionsFor } from './cases.js';

const threads = numberArg(process.argv, 'threads', 2);
const { tf, threads: actual, simd, name } = await loadTfjsWasm(threads);
type T2 = import('@tensorflow/tfjs').Tensor2D;

const out: Record<string, Timing> = {};
for (const c of casesFromArgs(process.argv)) {
  const v = loraInputs(c);
  const x = tf.tensor2d(v.x, [c.tokens, c.inF]);
  const w = tf.tidy(() => tf.transpose(tf.tensor2d(v.w, [c.outF, c.inF])));
  const b = tf.tensor1d(v.b);
  const a = tf.tidy(() => tf.transpose(tf.tensor2d(v.a, [c.rank, c.inF])));
  const bUp = tf.tidy(() => tf.transpose(tf.tensor2d(v.bUp, [c.outF, c.rank])));
  const dy = tf.tensor2d(v.dy, [c.tokens, c.outF]);
  const forward = (xx: T2, aa: T2, bb: T2): T2 =>
    tf.add(tf.add(tf.matMul(xx, w), b), tf.mul(tf.matMul(tf.matMul(xx, aa), bb), LORA_SCALE));
  out[`fwd:${caseKey(c)}`] = await measure(() => {
    const y = tf.tidy(() => forward(x, a, bUp));
    y.dataSync();
    y.dispose();
  }, measureOptionsFor(c));
  const grads = tf.grads((xx, aa, bb) => forward(xx as T2, aa as T2, bb as T2));
  out[`step:${caseKey(c)}`] = await measure(() => {
    const g = tf.tidy(() => grads([x, a, bUp], dy));
    for (const t of g) t.dataSync();
    tf.dispose(g);
  }, measureOptionsFor(c));
  tf.dispose([x, w, b, a, bUp, dy]);
  process.stderr.write(`  tfjs ${caseKey(c)} done\n`);
}
emit({ peer: name, note: `simd=${simd} threads=${actual}; step = tf.grads (forward inside)`, sizes: out });
process.exit(0);
