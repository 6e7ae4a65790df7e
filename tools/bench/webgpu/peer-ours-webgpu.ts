/**
 * Our WebGPU matmul (register-tiled WGSL kernel) through the public API on the Dawn adapter:
 * each run multiplies resident n x n tensors and reads the result back.
 */
import { getDevice, tensor } from '../../../packages/tensor-core/src/index.js';
import type { WebGpuBackend } from '../../../packages/tensor-core/src/backends/webgpu/webgpu-backend.js';
import { benchInput, emit, measure, sizesFromArgs, type Timing } from '../cpu-kernels/measure.js';

const sizes = sizesFromArgs(process.argv);
const device = await getDevice('webgpu');
const out: Record<string, Timing> = {};
for (const n of sizes) {
  const a = tensor(benchInput(n * n, 1), [n, n], { device });
  const b = tensor(benchInput(n * n, 2), [n, n], { device });
  out[n] = await measure(async () => {
    const c = a.matmul(b);
    await c.data();
    c.dispose();
  }, n >= 2048 ? { warmup: 1, minRuns: 3, minTimeMs: 0 } : {});
  a.dispose();
  b.dispose();
}
const stats = (device.backend as WebGpuBackend).stats();
emit({ peer: 'ours webgpu', note: `${device.info().summary}; pipelines ${stats.pipelines.pipelines}, submits ${stats.recorder.submits}`, sizes: out });
process.exit(0);
