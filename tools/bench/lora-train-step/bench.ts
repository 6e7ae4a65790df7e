/**
 * Benchmark: one LoRA training step of the flow-dit base model (the default config: 4 MMDiT blocks, hidden 96,
 * 64 image tokens at 64x64 px, 48 text tokens) on our CPU backend, against the same model and LoRA written in
 * PyTorch (torch-lora-step.py beside this file, run with Debian's /usr/bin/python3). A step is what the trainer does
 * per batch: transformer forward with LoRA on every Linear, MSE on the velocity, backward into the LoRA factors,
 * AdamW. Text-encoder outputs are precomputed in both (as with cached text embeddings).
 *   node --conditions=development --import tsx tools/bench/lora-train-step/bench.ts [steps] [batch] [rank]
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tc from '../../../packages/tensor-core/src/index.ts';
import { createPipeline, DEFAULT_PIPELINE_CONFIG } from '../../../packages/flow-dit/src/index.ts';
import { injectLora } from '../../../packages/lora-adapters/src/index.ts';

const steps = Number(process.argv[2] ?? 8);
const batch = Number(process.argv[3] ?? 2);
const rank = Number(process.argv[4] ?? 16);
const cfg = DEFAULT_PIPELINE_CONFIG;
const device = await tc.getDevice();
const pipe = createPipeline(structuredClone(cfg), { generator: new tc.Generator(0) });
const model = pipe.transformer;
injectLora(model, { rank, seed: 1 });
const params = model.parameters().filter((p) => p.requiresGrad);
const loraParams = params.reduce((a, p) => a + p.size, 0);
const baseParams = model.parameters().filter((p) => !p.requiresGrad).reduce((a, p) => a + p.size, 0);
const opt = new tc.AdamW(params, { lr: 1e-4 });
const side = cfg.resolution / 4;
const [C, T, D] = [cfg.vae.latentChannels, cfg.textEncoder.maxLength, cfg.textEncoder.hidden];
const text = tc.randn([batch, T, D], { seed: 3 });

const walls: number[] = [], cpus: number[] = [];
for (let i = 0; i < steps + 2; i++) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const loss = tc.tidy(() => {
    const x0 = tc.randn([batch, C, side, side], { seed: 10 + i });
    const noise = tc.randn([batch, C, side, side], { seed: 20 + i });
    const sig = tc.rand([batch], { seed: 30 + i });
    const s = sig.reshape([batch, 1, 1, 1]);
    const xt = x0.mul(s.neg().add(1)).add(noise.mul(s));
    const v = model.forward({ latents: xt, sigmas: sig, text });
    const l = v.sub(noise.sub(x0)).square().mean();
    l.backward();
    opt.step();
    opt.zeroGrad();
    return l;
  });
  await loss.item();
  loss.dispose();
  const c = process.cpuUsage(c0);
  if (i >= 2) {
    walls.push(performance.now() - t0);
    cpus.push((c.user + c.system) / 1000);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ours = { wall: median(walls), cpu: median(cpus) };

const script = fileURLToPath(new URL('./torch-lora-step.py', import.meta.url));
interface TorchRun { wall: number; cpu: number; loraParams: number; baseParams: number; threads: number; version: string }
const torchRuns: TorchRun[] = [];
for (const threads of [2, 1]) {
  const py = spawnSync('/usr/bin/python3', [script, String(steps), String(batch), String(rank), String(threads)], { encoding: 'utf8' });
  if (py.status === 0) torchRuns.push(JSON.parse(py.stdout.trim().split('\n').at(-1)!));
  else console.error(`PyTorch run failed (status ${py.status}): ${py.stderr.trim().split('\n').at(-1)}`);
}
const torch = torchRuns.length ? torchRuns.reduce((a, b) => (b.wall < a.wall ? b : a)) : null;

console.log(`device: ${tc.describeDevice(device).summary}`);
console.log(`model: ${cfg.transformer.depth} blocks, hidden ${cfg.transformer.heads * cfg.transformer.headDim}, ${(side / 2) ** 2} image + ${T} text tokens, batch ${batch}, LoRA rank ${rank} on every Linear`);
console.log(`parameters: base ${baseParams}, LoRA ${loraParams}${torch ? ` (PyTorch: base ${torch.baseParams}, LoRA ${torch.loraParams})` : ''}`);
console.log('');
console.log('| implementation | wall ms/step (median) | CPU ms/step | wall ratio to the faster PyTorch run |');
console.log('| --- | --- | --- | --- |');
console.log(`| loraflow CPU backend | ${ours.wall.toFixed(1)} | ${ours.cpu.toFixed(1)} | ${torch ? (ours.wall / torch.wall).toFixed(2) : 'n/a'} |`);
for (const t of torchRuns) console.log(`| PyTorch ${t.version} (${t.threads} thread${t.threads > 1 ? 's' : ''}) | ${t.wall.toFixed(1)} | ${t.cpu.toFixed(1)} | ${(t.wall / torch!.wall).toFixed(2)} |`);
if (torch && (torch.loraParams !== loraParams || torch.baseParams !== baseParams)) {
  console.error('parameter counts differ: the two models are not the same');
  process.exit(1);
}
process.exit(0);
