/**
 * tfjs-wasm peer for block.ts (SIMD + N threads through cpu-kernels/tfjs-wasm-loader.ts): the same
 * pre-LayerNorm block (hidden 256, 4 heads x 64, MLP 1024, GELU-tanh, batch 2 x 288), forward +
 * backward into every parameter with tf.variableGrads on mean(y^2). Layer norm from tf.moments,
 * attention as batched matMul / softmax, GELU-tanh written out (tfjs has no tanh-approximate gelu
 * op). Dense kernels are held [in, out] as tfjs layers do.
 *   node --conditions=development --import tsx tools/bench/transformer-block/peer-tfjs-wasm.ts [--runs 10] [--threads 2]
 */
import { emit, measure, numberArg } from '../cpu-kernels/measure.js';
import { loadTfjsWasm } from '../cpu-kernels/tfjs-wasm-loader.js';

const [B, L, D, H, M] = [2, 288, 256, 4, 1024];
const runs = numberArg(process.argv, 'runs', 10);
const threads = numberArg(process.argv, 'threads', 2);
const { tf, threads: actual, simd, name } = await loadTfjsWasm(threads);
type T = import('@tensorflow/tfjs').Tensor;

const dense = (i: number, o: number) => ({
  w: tf.variable(tf.randomUniform([i, o], -1 / Math.sqrt(i), 1 / Math.sqrt(i), 'float32', 1)),
  b: tf.variable(tf.zeros([o])),
});
const norm = () => ({ g: tf.variable(tf.ones([D])), b: tf.variable(tf.zeros([D])) });
const p = { norm1: norm(), qkv: dense(D, 3 * D), out: dense(D, D), norm2: norm(), fc1: dense(D, M), fc2: dense(M, D) };

const linear = (x: T, l: { w: T; b: T }) => tf.add(tf.matMul(x, l.w), l.b);
const layerNorm = (x: T, n: { g: T; b: T }) => {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), n.g), n.b);
};
const geluTanh = (x: T) => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3)))))));

/** x as [B*L, D] rows; returns the block output in the same layout. */
function forward(x: T): T {
  const h = layerNorm(x, p.norm1);
  const qkv = tf.transpose(tf.reshape(linear(h, p.qkv), [B, L, 3, H, D / H]), [2, 0, 3, 1, 4]);
  const [q, k, v] = tf.split(qkv, 3, 0).map((t) => tf.reshape(t, [B * H, L, D / H]));
  const a = tf.matMul(tf.softmax(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(D / H))), v);
  const merged = tf.reshape(tf.transpose(tf.reshape(a, [B, H, L, D / H]), [0, 2, 1, 3]), [B * L, D]);
  const x2 = tf.add(x, linear(merged, p.out));
  return tf.add(x2, linear(geluTanh(linear(layerNorm(x2, p.norm2), p.fc1)), p.fc2));
}

const x = tf.randomNormal([B * L, D], 0, 1, 'float32', 0);
const t = await measure(() => {
  const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(forward(x))) as import('@tensorflow/tfjs').Scalar);
  Object.values(grads)[0].dataSync();
  tf.dispose([value, ...Object.values(grads)]);
}, { warmup: 3, minRuns: runs, maxRuns: runs, minTimeMs: 0 });
emit({ peer: name, note: `simd=${simd} threads=${actual}; tf.variableGrads over ${Object.keys(p).length} layers`, sizes: { block: t } });
process.exit(0);
