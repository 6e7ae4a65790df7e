/**
 * Measures the costs that choose base-v2's sizes on this CPU: ms per transformer training step (forward, backward,
 * optimizer split) for candidate widths/depths/token counts/batches, autoencoder step time and short-run PSNR for
 * candidate latent channels/downsampling at 128 px, and scene render / encode time. Usage (repo root):
 *   nice -n 10 node --conditions=development --import tsx tools/train-base-v2/measure-sizes.ts [--part dit|ae|data] [--ae-steps 150]
 * Prints one JSON line per measurement (timings are wall and process CPU seconds; the machine is shared).
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import * as tc from '../../packages/tensor-core/src/index.ts';
import { createPipeline, DEFAULT_PIPELINE_CONFIG, type PipelineConfig } from '../../packages/flow-dit/src/index.ts';
import { noisyInput, velocityTarget } from '../../packages/flow-samplers/src/index.ts';
import { renderSceneSet, trainingThemes } from '../train-base/scene-data.ts';
import { trainAutoencoder } from '../train-base/train-autoencoder.ts';
import { autoencoderPsnr } from './quality-measures.ts';

const { values: args } = parseArgs({ options: { part: { type: 'string', default: 'dit,ae,data' }, 'ae-steps': { type: 'string', default: '150' }, only: { type: 'string' } } });
// --only 4,5: run just those transformer candidates (1-based), e.g. to finish a measurement cut short by load.
const only = args.only ? new Set(args.only.split(',').map(Number)) : null;
const parts = new Set(args.part!.split(','));
const cpuSeconds = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };

function config(o: { width: number; depth: number; latentChannels: number; blockChannels: number[]; resolution: number }): PipelineConfig {
  const base = structuredClone(DEFAULT_PIPELINE_CONFIG) as PipelineConfig;
  const heads = o.width / 32;
  return {
    ...base,
    transformer: { ...base.transformer, depth: o.depth, heads, latentChannels: o.latentChannels },
    vae: { ...base.vae, latentChannels: o.latentChannels, blockChannels: o.blockChannels, latentsMean: Array(o.latentChannels).fill(0), latentsStd: Array(o.latentChannels).fill(1) },
    resolution: o.resolution,
  };
}

function emit(record: Record<string, unknown>): void {
  console.log(JSON.stringify({ ...record, load1min: Number(loadavg()[0].toFixed(2)) }));
}

if (parts.has('dit')) {
  // Token count = (resolution / downsampling / patch 2)^2; 64 = 128 px at x8, 256 = 128 px at x4.
  const candidates = [
    { width: 96, depth: 4, tokens: 64, batch: 16 },
    { width: 128, depth: 4, tokens: 64, batch: 16 },
    { width: 128, depth: 6, tokens: 64, batch: 16 },
    { width: 192, depth: 4, tokens: 64, batch: 16 },
    { width: 128, depth: 4, tokens: 256, batch: 16 },
    { width: 128, depth: 4, tokens: 64, batch: 32 },
  ];
  for (const [index, cand] of candidates.entries()) {
    if (only && !only.has(index + 1)) continue;
    const side = Math.sqrt(cand.tokens) * 2;
    const latentChannels = cand.tokens === 64 ? 8 : 4;
    const p = createPipeline(config({ width: cand.width, depth: cand.depth, latentChannels, blockChannels: [16, 32, 32], resolution: side * 4 }), { generator: new tc.Generator(0) });
    const params = [...p.transformer.parameters(), ...p.textEncoder.parameters()];
    const opt = new tc.AdamW(params, { lr: 1e-4 });
    const caption = 'a 2D side scrolling background, desert theme, hot midday, a blazing sun on the left, three red rock mesas, rolling sand dunes, two saguaro cacti, drifting sand dust, warm orange and gold palette';
    const captions = Array(cand.batch).fill(caption);
    const t = { fwd: 0, bwd: 0, opt: 0, cpu: 0 };
    const reps = 3;
    for (let r = 0; r <= reps; r++) {
      const scope = tc.tidy(() => {
        const t0 = performance.now(), c0 = cpuSeconds();
        const x0 = tc.randn([cand.batch, latentChannels, side, side], { seed: r });
        const noise = tc.randn(x0.shape, { seed: 100 + r });
        const sig = Array.from({ length: cand.batch }, (_, i) => (i + 0.5) / cand.batch);
        const v = p.velocity(noisyInput(x0, noise, sig), tc.tensor(sig, [cand.batch]), p.encodePrompt(captions));
        const l = v.sub(velocityTarget(x0, noise)).square().mean();
        const t1 = performance.now();
        l.backward();
        const t2 = performance.now();
        opt.step();
        opt.zeroGrad();
        const t3 = performance.now();
        return [t1 - t0, t2 - t1, t3 - t2, (cpuSeconds() - c0) * 1000];
      });
      if (r > 0) { t.fwd += scope[0] / reps; t.bwd += scope[1] / reps; t.opt += scope[2] / reps; t.cpu += scope[3] / reps; }
    }
    emit({ part: 'dit', ...cand, params: p.transformer.numParameters(), msForward: Math.round(t.fwd), msBackward: Math.round(t.bwd), msOptimizer: Math.round(t.opt), msStep: Math.round(t.fwd + t.bwd + t.opt), cpuMsStep: Math.round(t.cpu) });
    opt.dispose();
    p.dispose();
  }
}

if (parts.has('data')) {
  const themes = trainingThemes();
  const t0 = performance.now(), c0 = cpuSeconds();
  const set = renderSceneSet(themes, 8, 128, 900000);
  const n = set.captions.length;
  emit({ part: 'data', what: 'render 128px', msPerScene: Number(((performance.now() - t0) / n).toFixed(1)), cpuMsPerScene: Number((((cpuSeconds() - c0) * 1000) / n).toFixed(1)) });
  for (const blockChannels of [[16, 32, 64, 64], [16, 32, 32]]) {
    const p = createPipeline(config({ width: 96, depth: 1, latentChannels: 16, blockChannels, resolution: 128 }), { generator: new tc.Generator(0) });
    const t1 = performance.now();
    const z = tc.noGrad(() => tc.tidy(() => p.encodeImages(tc.tensor(set.pixels.subarray(0, 16 * 3 * 128 * 128), [16, 3, 128, 128]))));
    await z.data();
    z.dispose();
    emit({ part: 'data', what: `encode 128px, channels ${blockChannels}`, msPerScene: Number(((performance.now() - t1) / 16).toFixed(1)) });
    p.dispose();
  }
}

if (parts.has('ae')) {
  const steps = Number(args['ae-steps']);
  const themes = trainingThemes();
  const train = renderSceneSet([...themes, 'cherry-blossom'], steps < 20 ? 2 : 24, 128, 0);
  const fresh = renderSceneSet([...themes, 'cherry-blossom'], steps < 20 ? 1 : 4, 128, 700000);
  const candidates = [
    { name: '4ch x4', latentChannels: 4, blockChannels: [16, 32, 32] },
    { name: '8ch x8', latentChannels: 8, blockChannels: [32, 64, 64, 64] },
    { name: '16ch x8', latentChannels: 16, blockChannels: [32, 64, 64, 64] },
  ];
  for (const cand of candidates) {
    const p = createPipeline(config({ width: 96, depth: 1, latentChannels: cand.latentChannels, blockChannels: cand.blockChannels, resolution: 128 }), { generator: new tc.Generator(0) });
    const t0 = performance.now(), c0 = cpuSeconds();
    await trainAutoencoder(p, train, { steps, batch: 8, crop: 64, lr: 2e-3, latentPenalty: 1e-3, latentNoise: 0.05, seed: 1 });
    const sec = (performance.now() - t0) / 1000;
    emit({ part: 'ae', ...cand, steps, params: p.vae.numParameters(), msStep: Math.round((sec * 1000) / steps), cpuMsStep: Math.round(((cpuSeconds() - c0) * 1000) / steps), psnrFresh: Number((await autoencoderPsnr(p, fresh)).toFixed(2)) });
    p.dispose();
  }
}
process.exit(0);
