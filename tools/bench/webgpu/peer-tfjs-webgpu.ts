/**
 * @tensorflow/tfjs-backend-webgpu on the same Dawn adapter: tfjs looks for navigator.gpu, so the
 * Dawn entry point and its globals are installed before the backend loads.
 */
import { benchInput, emit, measure, sizesFromArgs, type Timing } from '../cpu-kernels/measure.js';
import { loadDawn } from './dawn-module.js';

const sizes = sizesFromArgs(process.argv);
const { create, globals } = await loadDawn();
Object.assign(globalThis, globals);
// Kept referenced by the navigator object for the whole process (Dawn's create() lifetime rule).
Object.defineProperty(globalThis, 'navigator', { value: { gpu: create([]) }, configurable: true });
const tf = await import('@tensorflow/tfjs');
await import('@tensorflow/tfjs-backend-webgpu');
if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs could not initialise its webgpu backend on the Dawn adapter');
await tf.ready();

const out: Record<string, Timing> = {};
for (const n of sizes) {
  const a = tf.tensor2d(benchInput(n * n, 1), [n, n]);
  const b = tf.tensor2d(benchInput(n * n, 2), [n, n]);
  out[n] = await measure(async () => {
    const c = tf.matMul(a, b);
    await c.data();
    c.dispose();
  }, n >= 2048 ? { warmup: 1, minRuns: 3, minTimeMs: 0 } : {});
  a.dispose();
  b.dispose();
}
emit({ peer: 'tfjs-webgpu', note: `tfjs ${tf.version.tfjs} webgpu backend on Dawn`, sizes: out });
process.exit(0);
