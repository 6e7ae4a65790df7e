/**
 * Per-step overhead of the samplers next to one model call.
 *
 * The model is a small tensor-core MLP over [1, tokens, channels] (Linear -> GELU -> Linear, the shape of one
 * DiT feed-forward at toy width). For each sampler we time a "free" model (returns a copy of
 * a cached velocity, i.e. one elementwise op) to isolate the sampler's own arithmetic, and the same sampler
 * with the MLP. Overhead per step = time per step with the free model - its model cost; it is reported as a
 * percentage of one MLP call.
 *
 * Run: pnpm --filter @loraflow/flow-samplers bench   (LORAFLOW_DEVICE=cpu|webgpu picks the device)
 * Timings on a shared machine are noisy; the table reports the fastest of several repeats.
 */
import { getDevice, randn, setDefaultDevice, tidy, describeDevice, type Tensor } from '@loraflow/tensor-core';
import {
  guidedModel,
  qwenImageSchedule,
  sampleDpmSolver2M,
  sampleEuler,
  sampleHeun,
  sampleMidpoint,
  type SamplerOptions,
  type VelocityModel,
} from '../src/index.js';

const TOKENS = Number(process.env.BENCH_TOKENS ?? 1024);
const CHANNELS = Number(process.env.BENCH_CHANNELS ?? 64);
const HIDDEN = Number(process.env.BENCH_HIDDEN ?? 512);
const STEPS = Number(process.env.BENCH_STEPS ?? 10);
// Cheap runs (the free model) repeat more; the fastest run is the least disturbed by other processes.
const REPEATS_MLP = Number(process.env.BENCH_REPEATS ?? 3);
const REPEATS_FREE = 10 * REPEATS_MLP;

type Sampler = (m: VelocityModel<unknown>, x: Tensor, o: SamplerOptions<unknown>) => Promise<Tensor>;

async function timeIt(fn: () => Promise<Tensor>, repeats: number): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r < repeats + 1; r++) {
    const t0 = performance.now();
    const out = await fn();
    await out.data(); // wait for queued device work before stopping the clock
    const dt = performance.now() - t0;
    out.dispose();
    if (r > 0) times.push(dt); // first run is warm-up
  }
  return Math.min(...times);
}

async function main(): Promise<void> {
  const device = await getDevice();
  setDefaultDevice(device);
  const w1 = randn([HIDDEN, CHANNELS], { seed: 1, std: 1 / Math.sqrt(CHANNELS) });
  const w2 = randn([CHANNELS, HIDDEN], { seed: 2, std: 1 / Math.sqrt(HIDDEN) });
  const mlp: VelocityModel<unknown> = (x) =>
    tidy(() => x.matmul(w1, { transB: true }).gelu('tanh').matmul(w2, { transB: true }));
  const cached = randn([1, TOKENS, CHANNELS], { seed: 3 });
  const free: VelocityModel<unknown> = () => cached.add(0);
  const x = randn([1, TOKENS, CHANNELS], { seed: 4 });
  const { sigmas } = qwenImageSchedule({ width: 1024, height: 1024, steps: STEPS });

  const oneCall = (m: VelocityModel<unknown>, n: number) => async () => {
    let out = x.add(0);
    for (let i = 0; i < n; i++) {
      const next = await m(out, 0.5, undefined);
      out.dispose();
      out = next;
    }
    return out;
  };
  const mlpCall = (await timeIt(oneCall(mlp, STEPS), REPEATS_MLP)) / STEPS;
  const freeCall = (await timeIt(oneCall(free, STEPS), REPEATS_FREE)) / STEPS;

  const samplers: [string, Sampler, number][] = [
    ['euler', sampleEuler as Sampler, 1],
    ['heun', sampleHeun as Sampler, (2 * STEPS - 1) / STEPS],
    ['midpoint', sampleMidpoint as Sampler, 2],
    ['dpm-solver++(2M)', sampleDpmSolver2M as Sampler, 1],
  ];
  const rows: string[][] = [];
  const row = (name: string, calls: number, perStepFree: number, perStepMlp: number) => {
    const overhead = perStepFree - calls * freeCall;
    rows.push([name, calls.toFixed(2), perStepMlp.toFixed(3), (calls * mlpCall).toFixed(3), overhead.toFixed(3), ((100 * overhead) / mlpCall).toFixed(1) + '%']);
  };
  for (const [name, sampler, calls] of samplers) {
    const perStepFree = (await timeIt(() => sampler(free, x, { sigmas }), REPEATS_FREE)) / STEPS;
    const perStepMlp = (await timeIt(() => sampler(mlp, x, { sigmas }), REPEATS_MLP)) / STEPS;
    row(name, calls, perStepFree, perStepMlp);
  }
  for (const [label, opts] of [
    ['euler + ancestral noise', { noise: { eta: 1, seed: 1 } }],
    ['euler + callback', { callback: () => {} }],
  ] as const) {
    const perStepFree = (await timeIt(() => sampleEuler(free, x, { sigmas, ...opts }), REPEATS_FREE)) / STEPS;
    const perStepMlp = (await timeIt(() => sampleEuler(mlp, x, { sigmas, ...opts }), REPEATS_MLP)) / STEPS;
    row(label, 1, perStepFree, perStepMlp);
  }
  // True CFG: two model calls plus the norm-rescale per step.
  const cond = { pos: undefined, neg: undefined };
  const gFree = guidedModel(free as VelocityModel<undefined>, { scale: 4 }) as VelocityModel<unknown>;
  const gMlp = guidedModel(mlp as VelocityModel<undefined>, { scale: 4 }) as VelocityModel<unknown>;
  row(
    'euler + norm-rescaled CFG',
    2,
    (await timeIt(() => sampleEuler(gFree, x, { sigmas, cond }), REPEATS_FREE)) / STEPS,
    (await timeIt(() => sampleEuler(gMlp, x, { sigmas, cond }), REPEATS_MLP)) / STEPS,
  );

  const header = ['sampler', 'calls/step', 'ms/step (MLP)', 'model ms/step', 'overhead ms/step', 'overhead / 1 call'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  console.log(`device: ${describeDevice(device).summary}`);
  console.log(`model: MLP [1, ${TOKENS}, ${CHANNELS}] -> ${HIDDEN} -> ${CHANNELS}, one call ${mlpCall.toFixed(3)} ms; free model call ${freeCall.toFixed(3)} ms`);
  console.log(`${STEPS} steps; fastest of ${REPEATS_MLP} runs (MLP) / ${REPEATS_FREE} runs (free model) after one warm-up`);
  console.log('overhead = per-step time with the free model - its calls; relative to one MLP call\n');
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) console.log(line(r));
}

await main();
