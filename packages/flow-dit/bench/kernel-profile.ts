/**
 * Where a base-model training step spends its time: wraps every method of the device backend with a timer keyed
 * by method and op (binary:mul, reduce:sum, matmul, copy, ...) and reports each as a share of the step's wall time;
 * the rest is JavaScript outside kernels (autograd bookkeeping, allocation, GC). Env: BATCH (12), STEPS (4, first not counted).
 */
import * as tc from '@loraflow/tensor-core';
import { createPipeline } from '../src/index.js';

const batch = Number(process.env.BATCH ?? 12);
const steps = Number(process.env.STEPS ?? 4);
const device = await tc.getDevice();
const backend = device.backend as unknown as Record<string, unknown>;
const times = new Map<string, { ms: number; calls: number }>();
let counting = false;
for (const name of ['upload', 'fill', 'cast', 'unary', 'binary', 'where', 'reduce', 'matmul', 'copy', 'indexedSum', 'gather', 'free']) {
  const fn = backend[name];
  if (typeof fn !== 'function') continue;
  backend[name] = function (this: unknown, ...args: unknown[]) {
    const t0 = performance.now();
    const out = (fn as (...a: unknown[]) => unknown).apply(this, args);
    if (counting) {
      const key = typeof args[0] === 'string' ? `${name}:${args[0]}` : name;
      const e = times.get(key) ?? { ms: 0, calls: 0 };
      e.ms += performance.now() - t0;
      e.calls++;
      times.set(key, e);
    }
    return out;
  };
}
const p = createPipeline(undefined, { generator: new tc.Generator(0) });
const caption = 'a 2D side scrolling background, desert theme, hot midday, a blazing sun, red rock mesas, rolling sand dunes, saguaro cacti, drifting sand dust, warm orange and gold palette';
const opt = new tc.AdamW([...p.transformer.parameters(), ...p.textEncoder.parameters()], { lr: 1e-4 });
const [c, h, w] = p.latentShape;
let wall = 0;
for (let step = 0; step < steps; step++) {
  counting = step > 0;
  const t0 = performance.now();
  const loss = tc.tidy(() => {
    const x = tc.randn([batch, c, h, w], { seed: step });
    const l = p.velocity(x, tc.rand([batch], { seed: 9 + step }), p.encodePrompt(Array(batch).fill(caption))).sub(x).square().mean();
    l.backward();
    opt.step();
    opt.zeroGrad();
    return l;
  });
  await loss.item();
  loss.dispose();
  if (counting) wall += performance.now() - t0;
}
const rows = [...times.entries()].sort((a, b) => b[1].ms - a[1].ms);
const inKernels = rows.reduce((s, [, e]) => s + e.ms, 0);
console.log(`device: ${tc.describeDevice(device).summary}; batch ${batch}; ${(wall / (steps - 1)).toFixed(0)} ms/step wall`);
console.log('share  ms/step  calls/step  kernel');
for (const [key, e] of rows.slice(0, 20)) {
  console.log(`${((100 * e.ms) / wall).toFixed(1).padStart(5)}%  ${(e.ms / (steps - 1)).toFixed(0).padStart(7)}  ${String(Math.round(e.calls / (steps - 1))).padStart(10)}  ${key}`);
}
console.log(`${((100 * (wall - inKernels)) / wall).toFixed(1).padStart(5)}%  ${((wall - inKernels) / (steps - 1)).toFixed(0).padStart(7)}              (outside kernels: autograd, allocation, GC)`);
process.exit(0);
