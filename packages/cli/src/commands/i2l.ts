import type { Command } from 'commander';
import { LORA_FORMATS } from '@loraflow/lora-adapters';
import { I2lError, generateI2lLora, readTargetTable, type GenerateI2lResult, type I2lExpertInput } from '@loraflow/i2l-model';
import { rerankLoraFile } from '@loraflow/pca-rerank';
import { dtypeFlag, dtypeOption, formatFlag } from './lora-cli-options.js';
import { layerProgressBar } from './lora-progress-bar.js';

interface I2lFlags {
  output: string;
  bias?: string;
  format?: string;
  dtype?: 'f32' | 'f16' | 'bf16';
  rank?: string;
  targets: string;
  json?: boolean;
  quiet?: boolean;
}

function rankFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new I2lError(`--rank ${value}: expected an integer >= 1`);
  return n;
}

/**
 * `loraflow i2l --model M --embeddings E1 [E2 ...] [--model M2 --embeddings ...] [--bias B] -o OUT`:
 * Image-to-LoRA with the released Qwen-Image-i2L files (or any i2L over a target table), as
 * DiffSynth's pipeline merges it; optionally re-ranked through pca-rerank.
 */
export function register(program: Command): void {
  // --model / --embeddings pair up in command-line order, so they are collected as they are parsed.
  let experts: { model: string; embeddings: string[] }[] = [];
  let orphans: string[] = [];
  const cmd = program
    .command('i2l')
    .description('generate a LoRA from image embeddings with a Qwen-Image-i2L model (Style; or Coarse + Fine + Bias), merged as DiffSynth does')
    .option('--model <file>', 'i2L model .safetensors (Style, Coarse or Fine); repeat with its own --embeddings for several experts')
    .option('--embeddings <files...>', 'embeddings .safetensors per image for the --model before it (image_embedding [5632], residual [L, 3584] for Coarse/Fine)')
    .option('--bias <file>', 'static LoRA added once, unscaled (Qwen-Image-i2L-Bias)')
    .requiredOption('-o, --output <out>', 'output LoRA .safetensors (written atomically)')
    .option('--format <format>', `output format: ${LORA_FORMATS.join(', ')} (default diffsynth: loads in DiffSynth)`)
    .addOption(dtypeOption())
    .option('--rank <r>', 're-rank the merged LoRA to rank r (exact truncated SVD through pca-rerank)')
    .option('--targets <source>', 'target table: qwen-image, a .json table, or a base model .safetensors (e.g. a flow-dit transformer)', 'qwen-image')
    .option('--json', 'print a JSON summary (modules, rank, seconds, peak memory)')
    .option('--quiet', 'no progress bar or summary');
  cmd.on('option:model', (file: string) => experts.push({ model: file, embeddings: [] }));
  cmd.on('option:embeddings', (file: string) => {
    if (experts.length === 0) orphans.push(file);
    else experts[experts.length - 1].embeddings.push(file);
  });
  cmd.action(async (opts: I2lFlags) => {
    const inputs: I2lExpertInput[] = experts;
    const stray = orphans;
    experts = [];
    orphans = [];
    if (inputs.length === 0) throw new I2lError('i2l: give --model FILE --embeddings E1 [E2 ...] (repeat the pair for Coarse then Fine)');
    if (stray.length) throw new I2lError(`i2l: --embeddings ${stray[0]} comes before any --model; give --model first, then its embeddings`);
    const empty = inputs.find((e) => e.embeddings.length === 0);
    if (empty) throw new I2lError(`i2l: --model ${empty.model} has no --embeddings after it`);
    const rank = rankFlag(opts.rank);
    const format = formatFlag(opts.format, '--format') ?? 'diffsynth';
    const dtype = dtypeFlag(opts.dtype);
    const targets = await readTargetTable(opts.targets);
    const bar = layerProgressBar('i2l', !opts.quiet && !opts.json);
    const started = performance.now();
    const { rm } = await import('node:fs/promises');
    const merged = rank === undefined ? opts.output : `${opts.output}.i2l-${process.pid}-${Date.now()}.tmp.safetensors`;
    let result: GenerateI2lResult;
    try {
      result = await generateI2lLora({ experts: inputs, bias: opts.bias, output: merged, format, dtype, targets, onProgress: bar.onProgress });
      bar.stop();
      if (rank !== undefined) await rerankLoraFile(merged, opts.output, { rule: { method: 'fixed', rank }, to: format, dtype });
    } finally {
      bar.stop();
      if (merged !== opts.output) await rm(merged, { force: true });
    }
    const seconds = (performance.now() - started) / 1000;
    const peakBytes = process.resourceUsage().maxRSS * 1024;
    const finalRank = rank ?? result.rank;
    if (opts.json) {
      process.stdout.write(`${JSON.stringify({ output: opts.output, format, dtype: result.dtype, modules: result.modules, rank: finalRank, mergedRank: result.rank, experts: result.experts, bias: opts.bias ?? null, notes: result.notes, seconds, peakMemoryBytes: peakBytes, bytesRead: result.bytesRead })}\n`);
      return;
    }
    for (const note of result.notes) process.stderr.write(`note: ${note}\n`);
    if (!opts.quiet) {
      const what = result.experts.map((e) => `${e.variant} x ${e.images} image${e.images > 1 ? 's' : ''}`).join(' + ') + (opts.bias ? ' + bias' : '');
      process.stdout.write(
        `i2l ${what} -> ${format}: ${result.modules} modules, rank ${finalRank}${rank !== undefined ? ` (re-ranked from ${result.rank})` : ''}, ` +
          `written to ${opts.output} in ${seconds.toFixed(1)} s (${(result.bytesRead / 1e9 / seconds).toFixed(2)} GB/s, peak ${(peakBytes / 2 ** 30).toFixed(2)} GiB)\n`,
      );
    }
  });
}
