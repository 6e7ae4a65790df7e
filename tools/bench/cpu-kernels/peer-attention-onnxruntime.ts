/** onnxruntime-node attention peer: the unfused Transpose/MatMul/Mul/Softmax/MatMul graph (onnx-attention-model.ts), CPU EP, forward only. */
import * as ort from 'onnxruntime-node';
import { attentionInputs, caseKey, casesFromArgs } from './attention-cases.js';
import { emit, measure, numberArg, type Timing } from './measure.js';
import { attentionModelBytes } from './onnx-attention-model.js';

const threads = numberArg(process.argv, 'threads', 2);
const cases = casesFromArgs(process.argv);
const sessions = new Map<number, ort.InferenceSession>();

const out: Record<string, Timing> = {};
for (const c of cases) {
  let session = sessions.get(c.dim);
  if (!session) {
    session = await ort.InferenceSession.create(attentionModelBytes(1 / Math.sqrt(c.dim)), { intraOpNumThreads: threads, interOpNumThreads: 1, executionProviders: ['cpu'] });
    sessions.set(c.dim, session);
  }
  const x = attentionInputs(c);
  const shape = [c.bh, c.seq, c.dim];
  const feeds = { Q: new ort.Tensor('float32', x.q, shape), K: new ort.Tensor('float32', x.k, shape), V: new ort.Tensor('float32', x.v, shape) };
  const s = session;
  out[caseKey(c)] = await measure(async () => {
    const r = await s.run(feeds);
    r.O.dispose?.();
  }, { maxRuns: 15 });
}
emit({ peer: 'onnxruntime-node', note: `${threads} intra-op threads, unfused MatMul/Softmax graph`, sizes: out });
for (const s of sessions.values()) await s.release();
