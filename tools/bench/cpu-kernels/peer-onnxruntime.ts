/** onnxruntime-node (native CPU execution provider) running a one-node MatMul model on `--threads N`. */
import * as ort from 'onnxruntime-node';
import { benchInput, emit, measure, numberArg, sizesFromArgs, type Timing } from './measure.js';
import { matmulModelBytes } from './onnx-matmul-model.js';

const threads = numberArg(process.argv, 'threads', 2);
const sizes = sizesFromArgs(process.argv);
const session = await ort.InferenceSession.create(matmulModelBytes(), {
  intraOpNumThreads: threads,
  interOpNumThreads: 1,
  executionProviders: ['cpu'],
});

const out: Record<string, Timing> = {};
for (const n of sizes) {
  const feeds = {
    A: new ort.Tensor('float32', benchInput(n * n, 1), [n, n]),
    B: new ort.Tensor('float32', benchInput(n * n, 2), [n, n]),
  };
  out[n] = await measure(async () => {
    const r = await session.run(feeds);
    r.Y.dispose?.();
  });
}
emit({ peer: 'onnxruntime-node', note: `${threads} intra-op threads`, sizes: out });
await session.release();
