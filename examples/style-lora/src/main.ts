/**
 * The style LoRA example: the style report's workflow on this toolkit's small Qwen-Image-shaped model.
 *   node --conditions=development --import tsx examples/style-lora/src/main.ts [--full | --quick] [--model DIR] [--out DIR] [--resume]
 * Default: fits 20 minutes on a 2-core CPU. --full: the report's recipe (6400 steps, 64/80 px buckets). --quick or
 * STYLE_LORA_QUICK=1: the CI smoke run.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runStyleLora } from './run-style-lora.js';
import { styleLoraSettings, type StyleLoraMode } from './style-lora-settings.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const { values: args } = parseArgs({
  options: {
    full: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: process.env.STYLE_LORA_QUICK === '1' },
    model: { type: 'string', default: join(root, 'models', 'base') },
    out: { type: 'string', default: join(root, 'examples', 'style-lora', 'out') },
    resume: { type: 'boolean', default: false },
  },
});
const mode: StyleLoraMode = args.full ? 'full' : args.quick ? 'quick' : 'default';
const modelDir = resolve(args.model!);
if (!existsSync(join(modelDir, 'config.json'))) {
  console.error(`style-lora: ${modelDir} holds no base model (config.json); train one with tools/train-base/train-base.ts or pass --model DIR`);
  process.exit(1);
}
const settings = styleLoraSettings(mode, { modelDir, outDir: resolve(args.out!) });
const wall0 = performance.now();
const cpu0 = process.cpuUsage();
console.log(`style-lora (${mode}): ${settings.images} images, ${settings.training.steps} steps of rank ${settings.training.linear_rank}, held-out theme "${settings.heldOutTheme}", output ${settings.outDir}`);
const report = await runStyleLora(settings, { resume: args.resume });
console.log('\nstyle score (share of samples recognised as the held-out theme) and collapse statistics:');
for (const g of report.grids) {
  console.log(`  ${g.title}`);
  for (const r of g.rows) console.log(`    ${r.label.padEnd(12)} ${String(r.recognised).padStart(3)}/${r.samples}  saturation ${r.stats.saturation.toFixed(3)}  clipped ${(100 * r.stats.clipped).toFixed(2).padStart(6)}%`);
}
const cpu = process.cpuUsage(cpu0);
console.log(`\nreport: ${join(settings.outDir, 'report.html')} (and report.md)`);
console.log(`total: ${((performance.now() - wall0) / 1000).toFixed(1)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU`);
process.exit(0);
