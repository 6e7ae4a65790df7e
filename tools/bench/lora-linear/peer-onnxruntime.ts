/** onnxruntime-node LoRA linear peer: the Gemm graph of onnx-lora-model.ts on the CPU EP, forward only ("fwd:<case>"). */
import * as ort from 'onnxruntime-node';
import { emit, measure, numberArg, type Timing } from '../cpu-kernels/measure.js';
import { caseKey, casesFromArgs, loraInputs, LORA_SCALE, measureOptionsFor } from './cases.js';
import { loraLinearModelBytes } from './onnx-lora-model.js';

const threads = numberArg(process.argv, 'threads', 2);
const session = await ort.InferenceSession.create(loraLinearModelBytes(LORA_SCALE), { intraOpNumThreads: threads, interOpNumThreads: 1, executionProviders: ['cpu'] });
const out: Record<string, Timing> = {};
for (const c of casesFromArgs(process.argv)) {
  const v = loraInputs(c);
  const feeds = {
    X: new ort.Tensor('float32', v.x, [c.tokens, c.inF]),
    W: new ort.Tensor('float32', v.w, [c.outF, c.inF]),
    bias: new ort.Tensor('float32', v.b, [c.outF]),
    A: new ort.Tensor('float32', v.a, [c.rank, c.inF]),
    B: new ort.Tensor('float32', v.bUp, [c.outF, c.rank]),
  };
  out[`fwd:${caseKey(c)}`] = await measure(async () => {
    const r = await session.run(feeds);
    r.Y.dispose?.();
  }, measureOptionsFor(c));
}
emit({ peer: 'onnxruntime-node', note: `${threads} intra-op threads, Gemm graph, weights as inputs`, sizes: out });
await session.release();
