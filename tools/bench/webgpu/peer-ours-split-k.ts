/**
 * Our WebGPU matmul on m x n x k shapes, plain block kernel (split-K off) against split-K (the
 * default heuristic, or `--slices s` forced), same process and adapter. A shape is a LoRA-style
 * factor gradient: A^T B with A [k, m] and B [k, n] (both token-major), result read back.
 *
 *   node --conditions=development --import tsx tools/bench/webgpu/peer-ours-split-k.ts --shapes 16x3072x4096,64x64x65536 [--slices 8] [--rounds 5]
 */
import { getDevice } from '../../../packages/tensor-core/src/index.js';
import { WebGpuBackend } from '../../../packages/tensor-core/src/backends/webgpu/webgpu-backend.js';
import type { MatmulParams } from '../../../packages/tensor-core/src/device/backend.js';
import { benchInput, emit, measure, numberArg, type Timing } from '../cpu-kernels/measure.js';

const shapesArg = process.argv.includes('--shapes') ? process.argv[process.argv.indexOf('--shapes') + 1] : '16x3072x4096,64x64x65536';
const forced = numberArg(process.argv, 'slices', 0);
const device = await getDevice('webgpu');
const gpu = (device.backend as WebGpuBackend).device;
const variants = { plain: new WebGpuBackend(gpu, { matmulSplitK: 1 }), splitK: new WebGpuBackend(gpu, { matmulSplitK: forced || null }) };
const out: Record<string, Timing> = {};
const notes: string[] = [];
// Variants alternate over several short rounds (median of the round medians): on a shared 2-core
// host the load drifts within seconds, which a back-to-back pair would read as a speed difference.
const rounds = numberArg(process.argv, 'rounds', 6);
const median = (v: number[]) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)];
for (const shape of shapesArg.split(',')) {
  const [m, n, k] = shape.split('x').map(Number);
  const p: MatmulParams = { batch: 1, m, n, k, transA: true, transB: false, aBatchStride: 0, bBatchStride: 0 };
  const timings: Record<string, Timing[]> = { plain: [], splitK: [] };
  for (let round = 0; round < rounds; round++) {
    // Odd rounds run the variants in reverse order, so going second (warm caches) favours neither.
    const order = Object.entries(variants);
    for (const [name, backend] of round % 2 ? order.reverse() : order) {
      const a = backend.upload(benchInput(k * m, 1), 'f32');
      const b = backend.upload(benchInput(k * n, 2), 'f32');
      if (round === 0 && name === 'splitK') {
        const plan = backend.matmulSplitPlan(p, Math.ceil(m / (m <= 4 ? 4 : 8)) * Math.ceil(n / (m <= 4 ? 64 : 32)));
        notes.push(`${shape}: ${plan ? `${plan.slices} slices of ${plan.chunk}` : 'not split'}`);
      }
      timings[name].push(
        await measure(
          async () => {
            const c = backend.matmul(a, b, p);
            await backend.read(c);
            backend.free(c);
          },
          { warmup: round === 0 ? 2 : 1, minRuns: 3, minTimeMs: 400 },
        ),
      );
      backend.free(a);
      backend.free(b);
    }
  }
  for (const [name, list] of Object.entries(timings)) {
    out[`${shape} ${name}`] = { medianMs: median(list.map((t) => t.medianMs)), minMs: Math.min(...list.map((t) => t.minMs)), runs: list.reduce((r, t) => r + t.runs, 0), cpuMedianMs: median(list.map((t) => t.cpuMedianMs ?? NaN)) };
  }
}
emit({ peer: 'ours webgpu split-K', note: `${device.info().summary}; ${notes.join('; ')}`, sizes: out });
process.exit(0);
