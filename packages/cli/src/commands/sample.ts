import { Option, type Command } from 'commander';
import { loadPipeline } from '@loraflow/flow-dit';
import { getDevice } from '@loraflow/tensor-core';
import { loadLora } from '@loraflow/lora-adapters';
import { imageGrid, writePng } from '@loraflow/datasets';
import { sampleImages, TrainerError } from '@loraflow/trainer';

interface SampleCliOptions {
  model: string;
  lora?: string[];
  scale: string;
  cfg: string;
  trueCfgNorm?: boolean;
  steps: string;
  sampler: 'euler' | 'heun';
  prompt: string;
  negative: string;
  seed: string;
  count: string;
  output: string;
}

function numberOption(value: string, flag: string, check: (n: number) => boolean, expected: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || !check(n)) throw new TrainerError(`${flag} ${value}: expected ${expected}`);
  return n;
}

/** `loraflow sample`: text-to-image with a flow-dit model, optional LoRA files at a scale, Euler or Heun, (norm-rescaled) true CFG. */
export function register(program: Command): void {
  program
    .command('sample')
    .description('sample images from a base model with LoRA files applied (Euler/Heun ODE, true CFG with optional norm rescale)')
    .requiredOption('--model <dir>', 'base model folder (config.json + transformer/vae/text_encoder safetensors)')
    .option('--lora <file...>', 'LoRA file(s) in any supported format (kohya, PEFT/diffusers, ComfyUI, DiffSynth)')
    .option('--scale <s>', 'LoRA scale: output = base + scale * lora', '1')
    .option('--cfg <s>', 'true CFG scale (1 = no guidance)', '4')
    .option('--true-cfg-norm', 'rescale the guided velocity to the positive prediction\'s norm (Qwen-Image)')
    .option('--steps <n>', 'sampling steps', '30')
    .addOption(new Option('--sampler <name>', 'ODE sampler').choices(['euler', 'heun']).default('euler'))
    .requiredOption('--prompt <text>', 'prompt')
    .option('--negative <text>', 'negative prompt', '')
    .option('--seed <n>', 'noise seed', '0')
    .option('--count <n>', 'images (written as one grid when > 1)', '1')
    .requiredOption('-o, --output <png>', 'output PNG (written atomically)')
    .action(async (opts: SampleCliOptions) => {
      const scale = numberOption(opts.scale, '--scale', () => true, 'a number');
      const cfg = numberOption(opts.cfg, '--cfg', (n) => n >= 1, 'a number >= 1');
      const steps = numberOption(opts.steps, '--steps', (n) => Number.isInteger(n) && n >= 1, 'an integer >= 1');
      const seed = numberOption(opts.seed, '--seed', Number.isInteger, 'an integer');
      const count = numberOption(opts.count, '--count', (n) => Number.isInteger(n) && n >= 1, 'an integer >= 1');
      const pipeline = await loadPipeline(opts.model, { device: await getDevice() });
      try {
        for (const [i, file] of (opts.lora ?? []).entries()) {
          const report = await loadLora(pipeline.transformer, file, { adapter: `lora${i}`, multiplier: scale });
          process.stderr.write(`${file}: ${report.loaded.length} layers\n`);
        }
        const t0 = performance.now();
        const images = await sampleImages(pipeline, { prompt: opts.prompt, negative: opts.negative, count, seed, steps, sampler: opts.sampler, cfg, cfgNorm: Boolean(opts.trueCfgNorm), mergeLora: true });
        const out = images.length === 1 ? images[0] : await imageGrid(images.map((image, k) => ({ image, label: `seed ${seed} #${k + 1}` })), { cellWidth: 128, cellHeight: 128 });
        await writePng(opts.output, out);
        process.stdout.write(`wrote ${opts.output} (${count} image${count > 1 ? 's' : ''}, ${opts.sampler} ${steps} steps, cfg ${cfg}${opts.trueCfgNorm ? ' norm' : ''}, LoRA scale ${scale}) in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
      } finally {
        pipeline.dispose();
      }
    });
}
