import type { Command } from 'commander';
import { LORA_FORMATS, convertLoraFile } from '@loraflow/lora-adapters';
import { MODULES_HELP, dtypeFlag, dtypeOption, formatFlag, moduleNamesFlag, type LoraWriteFlags } from './lora-cli-options.js';
import { layerProgressBar } from './lora-progress-bar.js';
import { chosenOutput, outputFileOption } from './output-options.js';

/** `loraflow lora convert IN -o OUT --to FORMAT`: rewrites keys (and folds alpha) for another tool, streaming. */
export function registerLoraConvert(lora: Command): void {
  lora
    .command('convert')
    .description('convert a LoRA file to another key format, preserving each layer\'s effective delta (alpha folded where the target has none)')
    .argument('<in>', 'input LoRA .safetensors (format auto-detected)')
    .argument('[out]', 'output .safetensors (same as -o)')
    .addOption(outputFileOption('output .safetensors (written atomically)'))
    .requiredOption('--to <format>', `target format: ${LORA_FORMATS.join(', ')}`)
    .addOption(dtypeOption())
    .option('--modules <file>', MODULES_HELP)
    .option('--json', 'print the result as JSON')
    .option('--quiet', 'no progress bar or summary')
    .action(async (input: string, positional: string | undefined, opts: LoraWriteFlags & { output?: string }) => {
      const output = chosenOutput('--output', opts.output, positional);
      const bar = layerProgressBar('convert', !opts.quiet && !opts.json);
      const started = performance.now();
      try {
        const result = await convertLoraFile(input, output, {
          to: formatFlag(opts.to)!,
          dtype: dtypeFlag(opts.dtype),
          moduleNames: await moduleNamesFlag(opts.modules),
          onProgress: bar.onProgress,
        });
        bar.stop();
        const seconds = (performance.now() - started) / 1000;
        if (opts.json) process.stdout.write(`${JSON.stringify({ input, output, ...result, seconds })}\n`);
        else if (!opts.quiet) process.stdout.write(`${result.from} -> ${result.to}: ${result.layers} layers written to ${output} in ${seconds.toFixed(1)} s\n`);
      } finally {
        bar.stop();
      }
    });
}
