import type { Command } from 'commander';
import { LORA_FORMATS, scaleLoraFile } from '@loraflow/lora-adapters';
import { MODULES_HELP, dtypeFlag, dtypeOption, formatFlag, moduleNamesFlag, numberFlag, type LoraWriteFlags } from './lora-cli-options.js';
import { layerProgressBar } from './lora-progress-bar.js';
import { chosenOutput, outputFileOption } from './output-options.js';

/** `loraflow lora scale IN -o OUT --by x`: bakes a strength into the file (every delta times x). */
export function registerLoraScale(lora: Command): void {
  lora
    .command('scale')
    .description('multiply every layer\'s delta by a factor (folded into the up factors; alpha unchanged)')
    .argument('<in>', 'input LoRA .safetensors')
    .argument('[out]', 'output .safetensors (same as -o)')
    .addOption(outputFileOption('output .safetensors (written atomically)'))
    .requiredOption('--by <x>', 'the factor (e.g. 0.8; negative inverts the LoRA)')
    .option('--to <format>', `output format: ${LORA_FORMATS.join(', ')} (default: the input's)`)
    .addOption(dtypeOption())
    .option('--modules <file>', MODULES_HELP)
    .option('--json', 'print the result as JSON')
    .option('--quiet', 'no progress bar or summary')
    .action(async (input: string, positional: string | undefined, opts: LoraWriteFlags & { by: string; output?: string }) => {
      const output = chosenOutput('--output', opts.output, positional);
      const by = numberFlag(opts.by, '--by');
      const bar = layerProgressBar('scale', !opts.quiet && !opts.json);
      try {
        const result = await scaleLoraFile(input, output, by, {
          to: formatFlag(opts.to),
          dtype: dtypeFlag(opts.dtype),
          moduleNames: await moduleNamesFlag(opts.modules),
          onProgress: bar.onProgress,
        });
        bar.stop();
        if (opts.json) process.stdout.write(`${JSON.stringify({ input, output, by, ...result })}\n`);
        else if (!opts.quiet) process.stdout.write(`scaled ${result.layers} layers by ${by} (${result.from} -> ${result.to}), written to ${output}\n`);
      } finally {
        bar.stop();
      }
    });
}
