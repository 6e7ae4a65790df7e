/**
 * onnxruntime-node conv2d peer: the one-node Conv model of onnx-conv-model.ts (NCHW, filter and bias
 * as initializers) on the CPU EP with `--threads N` intra-op threads, forward only ("fwd:<case>").
 * With `--check <dir>` it writes the first case's output there for conv.ts to compare.
 */
import * as ort from 'onnxruntime-node';
import { emit, measure, numberArg, type Timing } from '../cpu-kernels/measure.js';
import { caseKey, casesFromArgs, checkDirArg, checkPath, convInputs, forwardFlops, writeF32 } from './conv-cases.js';
import { convModelBytes } from './onnx-conv-model.js';

const threads = numberArg(process.argv, 'threads', 2);
const quick = process.argv.includes('--quick');
const checkDir = checkDirArg(process.argv);
const out: Record<string, Timing> = {};
for (const [i, s] of casesFromArgs(process.argv).entries()) {
  const v = convInputs(s);
  const session = await ort.InferenceSession.create(convModelBytes(s, v.w, v.b), {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
  });
  const feeds = { X: new ort.Tensor('float32', v.x, [s.n, s.c, s.h, s.w]) };
  if (i === 0 && checkDir) {
    const r = await session.run(feeds);
    writeF32(checkPath(checkDir, 'onnx', 'y'), r.Y.data as Float32Array);
  }
  const big = forwardFlops(s) > 2e9;
  out[`fwd:${caseKey(s)}`] = await measure(async () => {
    const r = await session.run(feeds);
    r.Y.dispose?.();
  }, quick ? { warmup: 2, minRuns: 3, minTimeMs: 0 } : big ? { warmup: 2, minRuns: 5, minTimeMs: 1000 } : {});
  await session.release();
  process.stderr.write(`  onnxruntime ${caseKey(s)} done\n`);
}
emit({ peer: 'onnxruntime-node', note: `${threads} intra-op threads, one Conv node (NCHW, W and B initializers, graph optimisation all)`, sizes: out });
