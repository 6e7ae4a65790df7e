import { Option, type Command } from 'commander';
import { loadPipeline } from '@loraflow/flow-dit';
import { SAMPLERS, type SamplerName } from '@loraflow/flow-samplers';
import { getDevice } from '@loraflow/tensor-core';
import { loadLora } from '@loraflow/lora-adapters';
import { imageGrid, writePng } from '@loraflow/datasets';
import { sampleImages, TrainerError } from '@loraflow/trainer';
import { progressDisplay } from './progress-display.js';

interface SampleCliOptions {
  model: string;
  lora?: string[];
  scale: string[];
  cfg: string;
  trueCfgNorm?: boolean;
  steps: string;
  sampler: SamplerName;
  width?: string;
  height?: string;
  prompt: string;
  negative: string;
  seed: string;
  count: string;
  output: string;
  json?: boolean;
  quiet?: boolean;
}

function numberOption(value: string, flag: string, check: (n: number) => boolean, expected: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || !check(n)) throw new TrainerError(`${flag} ${value}: expected ${expected}`);
  return n;
}

/** One scale per --lora, or one scale for all of them. */
function loraScales(files: readonly string[], scales: readonly string[]): number[] {
  const values = scales.map((s) => numberOption(s, '--scale', () => true, 'a number'));
  if (values.length === files.length) return values;
  if (values.length === 1) return files.map(() => values[0]);
  throw new TrainerError(`--scale: ${values.length} scales for ${files.length} --lora files; give one scale, or one per LoRA in the same order`);
}

/** `loraflow sample`: text-to-image with a flow-dit model, LoRA files at their scales, any flow-samplers sampler, (norm-rescaled) true CFG. */
export function register(program: Command): void {
  program
    .command('sample')
    .description('sample images from a base model with LoRA files applied (Euler/Heun/midpoint/DPM-Solver++ 2M, true CFG with optional norm rescale)')
    .requiredOption('--model <dir>', 'base model folder (config.json + transformer/vae/text_encoder safetensors)')
    .option('--lora <file...>', 'LoRA file(s) in any supported format (kohya, PEFT/diffusers, ComfyUI, DiffSynth)')
    .option('--scale <s...>', 'LoRA scale, one for every --lora or one per --lora in order: output = base + sum(scale_i * lora_i)', ['1'])
    .option('--cfg <s>', 'true CFG scale (1 = no guidance)', '4')
    .option('--true-cfg-norm', 'rescale the guided velocity to the positive prediction\'s norm (Qwen-Image)')
    .option('--steps <n>', 'sampling steps', '30')
    .addOption(new Option('--sampler <name>', 'ODE sampler').choices(Object.keys(SAMPLERS)).default('euler'))
    .option('--width <px>', 'image width (default: the model\'s resolution)')
    .option('--height <px>', 'image height (default: the model\'s resolution)')
    .requiredOption('--prompt <text>', 'prompt')
    .option('--negative <text>', 'negative prompt', '')
    .option('--seed <n>', 'noise seed', '0')
    .option('--count <n>', 'images (written as one grid when > 1)', '1')
    .requiredOption('-o, --output <png>', 'output PNG (written atomically)')
    .option('--json', 'print the result as JSON')
    .option('-q, --quiet', 'no progress bar')
    .action(async (opts: SampleCliOptions) => {
      const cfg = numberOption(opts.cfg, '--cfg', (n) => n >= 1, 'a number >= 1');
      const steps = numberOption(opts.steps, '--steps', (n) => Number.isInteger(n) && n >= 1, 'an integer >= 1');
      const seed = numberOption(opts.seed, '--seed', Number.isInteger, 'an integer');
      const count = numberOption(opts.count, '--count', (n) => Number.isInteger(n) && n >= 1, 'an integer >= 1');
      const size = (v: string | undefined, flag: string) => (v === undefined ? undefined : numberOption(v, flag, (n) => Number.isInteger(n) && n >= 1, 'a positive integer'));
      const [width, height] = [size(opts.width, '--width'), size(opts.height, '--height')];
      const files = opts.lora ?? [];
      const scales = loraScales(files, opts.scale);
      const pipeline = await loadPipeline(opts.model, { device: await getDevice() });
      const bar = progressDisplay('sample', !opts.json && !opts.quiet);
      try {
        const loras: { file: string; scale: number; layers: number }[] = [];
        for (const [i, file] of files.entries()) {
          const report = await loadLora(pipeline.transformer, file, { adapter: `lora${i}`, multiplier: scales[i] });
          loras.push({ file, scale: scales[i], layers: report.loaded.length });
          if (!opts.json) process.stderr.write(`${file}: ${report.loaded.length} layers at scale ${scales[i]}\n`);
        }
        const t0 = performance.now();
        bar.start(steps);
        const images = await sampleImages(pipeline, {
          prompt: opts.prompt, negative: opts.negative, count, seed, steps, sampler: opts.sampler, cfg, cfgNorm: Boolean(opts.trueCfgNorm), mergeLora: true,
          width, height, onStep: (step) => bar.tick(`step ${step}`),
        });
        bar.stop();
        const out = images.length === 1 ? images[0] : await imageGrid(images.map((image, k) => ({ image, label: `seed ${seed} #${k + 1}` })), { cellWidth: 128, cellHeight: 128 });
        await writePng(opts.output, out);
        const seconds = (performance.now() - t0) / 1000;
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ output: opts.output, width: images[0].width, height: images[0].height, count, seed, sampler: opts.sampler, steps, cfg, cfgNorm: Boolean(opts.trueCfgNorm), loras, seconds }, null, 2)}\n`);
        } else {
          const scaleText = loras.length ? `, LoRA scale ${loras.map((l) => l.scale).join('/')}` : '';
          process.stdout.write(`wrote ${opts.output} (${count} image${count > 1 ? 's' : ''} ${images[0].width}x${images[0].height}, ${opts.sampler} ${steps} steps, cfg ${cfg}${opts.trueCfgNorm ? ' norm' : ''}${scaleText}) in ${seconds.toFixed(1)} s\n`);
        }
      } finally {
        bar.stop();
        pipeline.dispose();
      }
    });
}
