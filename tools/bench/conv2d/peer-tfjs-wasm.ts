/**
 * tfjs-wasm conv2d peer (SIMD + N threads through cpu-kernels/tfjs-wasm-loader.ts), on tfjs's native
 * NHWC layout: x [N, H, W, C], filter [3, 3, C, O] (transposed once, outside the timing).
 *   forward "fwd:<case>": tf.fused.conv2d with bias (XNNPACK).
 *   backward "bwd:<case>": the kernels tf.conv2d's gradient dispatches, given dy: Conv2DBackpropInput
 *   (dx) and Conv2DBackpropFilter (dw). tfjs-wasm 4.22 registers no Conv2DBackpropFilter, so tf.grads
 *   of tf.conv2d throws there; dw then runs as Conv3DBackpropFilterV2 on a depth-1 view, the kernel
 *   tf.grads of a depth-1 tf.conv3d dispatches.
 * A backward whose first call took, or is predicted from the last case's rate to take, over
 * `--max-call-s` seconds (default 20) is reported as too slow instead of measured.
 * With `--check <dir>` it writes the first case's y, dx and dw in NCHW / OIHW for conv.ts to compare.
 */
import { loadTfjsWasm } from '../cpu-kernels/tfjs-wasm-loader.js';
import { emit, measure, numberArg, type MeasureOptions, type Timing } from '../cpu-kernels/measure.js';
import { caseKey, casesFromArgs, checkDirArg, checkPath, convInputs, forwardFlops, writeF32 } from './conv-cases.js';

type T4 = import('@tensorflow/tfjs').Tensor4D;
const threads = numberArg(process.argv, 'threads', 2);
const maxCallMs = numberArg(process.argv, 'max-call-s', 20) * 1000;
const quick = process.argv.includes('--quick');
const checkDir = checkDirArg(process.argv);
const { tf, threads: actual, simd, name } = await loadTfjsWasm(threads);

// Does tf.grads of tf.conv2d run here at all? (A tiny probe; its error goes into the note.)
let gradsNote = 'tf.grads of tf.conv2d runs';
try {
  const g = tf.grads((a, f) => tf.conv2d(a as T4, f as T4, 1, 1))([tf.ones([1, 4, 4, 2]), tf.ones([3, 3, 2, 2])]);
  tf.dispose(g);
} catch (e) {
  gradsNote = `tf.grads of tf.conv2d throws (${String((e as Error).message ?? e).slice(0, 120)})`;
}
const hasFilterGrad = Boolean(tf.getKernel('Conv2DBackpropFilter', 'wasm'));

/** dw [3, 3, C, O] of a stride-1, padding-1 conv, through the 2-D kernel when registered, else the 3-D one on depth-1 views. */
function filterGrad(x: T4, dy: T4, c: number, o: number): T4 {
  if (hasFilterGrad) {
    return tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: [1, 1], pad: 1, dataFormat: 'NHWC', filterShape: [3, 3, c, o] }) as T4;
  }
  return tf.tidy(() => {
    const [n, h, w] = x.shape;
    const x5 = tf.reshape(x, [n, 1, h, w, c]);
    const dy5 = tf.reshape(dy, [n, 1, h, w, o]);
    // 'same' pads depth by 0 (filter depth 1) and H, W by 1 each side: the 2-D conv's padding 1.
    const dw5 = tf.engine().runKernel('Conv3DBackpropFilterV2', { x: x5, dy: dy5 }, { strides: [1, 1, 1], pad: 'same', filterShape: [1, 3, 3, c, o] }) as import('@tensorflow/tfjs').Tensor;
    return tf.reshape(dw5, [3, 3, c, o]);
  });
}

const out: Record<string, Timing> = {};
const tooSlow: string[] = [];
let bwdMsPerFlop = 0;
for (const [i, s] of casesFromArgs(process.argv).entries()) {
  const v = convInputs(s);
  const key = caseKey(s);
  const [x, filter, bias, dy] = tf.tidy(() => [
    tf.transpose(tf.tensor4d(v.x, [s.n, s.c, s.h, s.w]), [0, 2, 3, 1]) as T4,
    tf.transpose(tf.tensor4d(v.w, [s.o, s.c, 3, 3]), [2, 3, 1, 0]) as T4,
    tf.tensor1d(v.b),
    tf.transpose(tf.tensor4d(v.gy, [s.n, s.o, s.h, s.w]), [0, 2, 3, 1]) as T4,
  ]);
  const forward = () => tf.fused.conv2d({ x, filter, strides: 1, pad: 1, bias });
  const backward = () => [tf.conv2dTranspose(dy, filter, [s.n, s.h, s.w, s.c], 1, 1), filterGrad(x, dy, s.c, s.o)];
  if (i === 0 && checkDir) {
    const nchw = (t: T4, perm: number[]) => tf.tidy(() => tf.transpose(t, perm).dataSync() as Float32Array);
    const y = forward();
    const [dx, dw] = backward();
    writeF32(checkPath(checkDir, 'tfjs', 'y'), nchw(y, [0, 3, 1, 2]));
    writeF32(checkPath(checkDir, 'tfjs', 'dx'), nchw(dx, [0, 3, 1, 2]));
    writeF32(checkPath(checkDir, 'tfjs', 'dw'), nchw(dw, [3, 2, 0, 1]));
    tf.dispose([y, dx, dw]);
  }
  out[`fwd:${key}`] = await measure(() => {
    const y = forward();
    y.dataSync();
    y.dispose();
  }, quick ? { warmup: 2, minRuns: 3, minTimeMs: 0 } : {});

  const flops = 2 * forwardFlops(s);
  if (bwdMsPerFlop * flops > maxCallMs) {
    tooSlow.push(`${key} (predicted ${((bwdMsPerFlop * flops) / 1000).toFixed(0)} s per call)`);
  } else {
    const call = () => {
      const g = backward();
      for (const t of g) t.dataSync();
      tf.dispose(g);
    };
    const t0 = performance.now();
    call();
    const first = performance.now() - t0;
    bwdMsPerFlop = Math.max(bwdMsPerFlop, first / flops);
    if (first > maxCallMs) {
      tooSlow.push(`${key} (first call ${(first / 1000).toFixed(0)} s)`);
    } else {
      // Calls of a second or more: the call above was the warm-up; few runs.
      const slow: Partial<MeasureOptions> = { warmup: 0, minRuns: quick ? 1 : 3, minTimeMs: 0 };
      out[`bwd:${key}`] = await measure(call, first > 1000 ? slow : quick ? { warmup: 1, minRuns: 3, minTimeMs: 0 } : {});
    }
  }
  tf.dispose([x, filter, bias, dy]);
  process.stderr.write(`  tfjs ${key} done\n`);
}
const bwdHow = hasFilterGrad ? 'Conv2DBackpropInput + Conv2DBackpropFilter' : 'Conv2DBackpropInput + Conv3DBackpropFilterV2 on a depth-1 view (no Conv2DBackpropFilter kernel in tfjs-wasm)';
const note = `simd=${simd} threads=${actual}; NHWC; forward tf.fused.conv2d with bias; backward ${bwdHow}; ${gradsNote}${tooSlow.length ? `; backward too slow, not measured: ${tooSlow.join(', ')}` : ''}`;
emit({ peer: `${name} NHWC`, note, sizes: out });
process.exit(0);
