import type { Command } from 'commander';
import { LORA_FORMATS, LoraError, mergeLoraFiles } from '@loraflow/lora-adapters';
import { MODULES_HELP, dtypeFlag, dtypeOption, formatFlag, moduleNamesFlag, numberFlag, type LoraWriteFlags } from './lora-cli-options.js';
import { layerProgressBar } from './lora-progress-bar.js';

interface MergeFlags extends LoraWriteFlags {
  output: string;
  weights?: string;
  mean?: boolean;
}

function weightsFlag(opts: MergeFlags, count: number): number[] | undefined {
  if (opts.mean && opts.weights) throw new LoraError('give either --weights or --mean, not both');
  if (opts.mean) return Array.from({ length: count }, () => 1 / count);
  if (opts.weights === undefined) return undefined;
  const ws = opts.weights.split(',').map((w) => numberFlag(w, '--weights'));
  if (ws.length !== count) throw new LoraError(`--weights ${opts.weights}: ${ws.length} weights for ${count} input files; give one per file`);
  return ws;
}

/** `loraflow lora merge A B ... -o OUT`: concatenates LoRAs along rank so the deltas add (or average). */
export function registerLoraMerge(lora: Command): void {
  lora
    .command('merge')
    .description('merge LoRA files into one by concatenating along rank: delta = sum of weight_i * delta_i (each file\'s alpha kept in effect)')
    .argument('<files...>', 'input LoRA .safetensors files (any mix of formats)')
    .requiredOption('-o, --output <out>', 'output .safetensors (written atomically)')
    .option('--weights <list>', 'comma-separated weight per input, e.g. 0.7,0.3 (default 1 each: the deltas add)')
    .option('--mean', 'weight each input 1/N (the Image-to-LoRA merge of several images)')
    .option('--to <format>', `output format: ${LORA_FORMATS.join(', ')} (default: the first input's)`)
    .addOption(dtypeOption())
    .option('--modules <file>', MODULES_HELP)
    .option('--json', 'print the result as JSON')
    .option('--quiet', 'no progress bar or summary')
    .action(async (files: string[], opts: MergeFlags) => {
      if (files.length < 2) throw new LoraError(`merge needs at least two input files, got ${files.length}`);
      const bar = layerProgressBar('merge', !opts.quiet && !opts.json);
      const started = performance.now();
      try {
        const result = await mergeLoraFiles(files, opts.output, {
          weights: weightsFlag(opts, files.length),
          to: formatFlag(opts.to),
          dtype: dtypeFlag(opts.dtype),
          moduleNames: await moduleNamesFlag(opts.modules),
          onProgress: bar.onProgress,
        });
        bar.stop();
        const seconds = (performance.now() - started) / 1000;
        const ranks = [...new Set(result.ranks.values())].sort((a, b) => a - b);
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ inputs: files, output: opts.output, to: result.to, layers: result.layers, partial: result.partial, ranks: Object.fromEntries(result.ranks), seconds })}\n`);
        } else if (!opts.quiet) {
          process.stdout.write(`merged ${files.length} files -> ${result.to}: ${result.layers} layers, rank ${ranks.join('/')}, written to ${opts.output} in ${seconds.toFixed(1)} s\n`);
          if (result.partial.length) process.stdout.write(`note: ${result.partial.length} module(s) are in only some inputs, e.g. ${result.partial[0]}\n`);
        }
      } finally {
        bar.stop();
      }
    });
}
