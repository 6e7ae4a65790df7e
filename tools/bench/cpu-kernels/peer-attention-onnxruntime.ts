/**
 * onnxruntime-node attention peer, CPU EP, forward only: the unfused Transpose/MatMul/Mul/Softmax/MatMul
 * graph (keys "<case>") and the fused contrib op com.microsoft.MultiHeadAttention (keys "mha:<case>").
 */
import * as ort from 'onnxruntime-node';
import { attentionInputs, caseKey, casesFromArgs } from './attention-cases.js';
import { emit, measure, numberArg, type Timing } from './measure.js';
import { attentionModelBytes, multiHeadAttentionModelBytes } from './onnx-attention-model.js';

const threads = numberArg(process.argv, 'threads', 2);
const cases = casesFromArgs(process.argv);
const options: ort.InferenceSession.SessionOptions = { intraOpNumThreads: threads, interOpNumThreads: 1, executionProviders: ['cpu'] };
const unfused = new Map<number, ort.InferenceSession>();
const mha = await ort.InferenceSession.create(multiHeadAttentionModelBytes(), options);

const out: Record<string, Timing> = {};
for (const c of cases) {
  let session = unfused.get(c.dim);
  if (!session) {
    session = await ort.InferenceSession.create(attentionModelBytes(1 / Math.sqrt(c.dim)), options);
    unfused.set(c.dim, session);
  }
  const x = attentionInputs(c);
  const shape = [c.bh, c.seq, c.dim];
  const feeds = { Q: new ort.Tensor('float32', x.q, shape), K: new ort.Tensor('float32', x.k, shape), V: new ort.Tensor('float32', x.v, shape) };
  for (const [key, s] of [[caseKey(c), session], [`mha:${caseKey(c)}`, mha]] as const) {
    out[key] = await measure(async () => {
      const r = await s.run(feeds);
      r.O.dispose?.();
    }, { maxRuns: 15 });
  }
}
emit({ peer: 'onnxruntime-node', note: `${threads} intra-op threads; unfused MatMul/Softmax graph, and com.microsoft.MultiHeadAttention (fused)`, sizes: out });
for (const s of [...unfused.values(), mha]) await s.release();
