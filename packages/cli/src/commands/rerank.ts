import { Option, type Command } from 'commander';
import { progressDisplay } from './progress-display.js';
import { LORA_FORMATS, parseLoraFormat, type LoraFloatDType, type LoraFormat } from '@loraflow/lora-adapters';
import { formatReportTable, parseRankRule, RerankError, rerankLoraFile, type RankRule, type SplitMode } from '@loraflow/pca-rerank';

interface RerankCliOptions {
  output: string;
  rank?: string;
  dynamic?: string;
  maxRank?: string;
  split: SplitMode;
  to?: string;
  dtype?: 'f32' | 'f16' | 'bf16';
  maxAbsError?: boolean;
  pad: 'zeros' | 'trainable';
  seed: string;
  json?: boolean;
  quiet?: boolean;
}

function positiveInteger(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new RerankError(`${flag} ${value}: expected an integer >= 1`);
  return n;
}

function seedOf(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new RerankError(`--seed ${value}: expected an integer >= 0`);
  return n;
}

function rankRule(opts: RerankCliOptions): RankRule {
  if ((opts.rank === undefined) === (opts.dynamic === undefined)) {
    throw new RerankError('give exactly one of --rank N or --dynamic METHOD:PARAM (sv_ratio, sv_cumulative, sv_fro)');
  }
  return opts.rank !== undefined ? { method: 'fixed', rank: positiveInteger(opts.rank, '--rank') } : parseRankRule(opts.dynamic!);
}

function outputFormat(value: string | undefined): LoraFormat | undefined {
  if (value === undefined) return undefined;
  const format = parseLoraFormat(value);
  if (!format) throw new RerankError(`--to ${value}: expected one of ${LORA_FORMATS.join(', ')}`);
  return format;
}

/** `loraflow rerank`: resets the rank of a LoRA file with an exact truncated SVD, streaming layer by layer. */
export function register(program: Command): void {
  program
    .command('rerank')
    .description('reset the rank of a LoRA file (exact truncated SVD of each up@down, never forming the full matrix)')
    .argument('<in>', 'input LoRA .safetensors (kohya, PEFT/diffusers, ComfyUI or DiffSynth keys)')
    .requiredOption('-o, --output <out>', 'output .safetensors (written atomically)')
    .option('--rank <n>', 'fixed new rank for every layer (above the current rank pads with zeros)')
    .option('--dynamic <method:param>', 'per-layer rank: sv_ratio:R (keep S >= S0/R), sv_cumulative:P (sum S share), sv_fro:P (Frobenius share)')
    .option('--max-rank <n>', 'upper limit on the new rank')
    .addOption(
      new Option('--split <mode>', 'how S is shared: sqrt (training init), up (kohya: U S / V^T), down (U / S V^T), pca (centred, as the Image-to-LoRA reference)')
        .choices(['sqrt', 'up', 'down', 'pca'])
        .default('sqrt'),
    )
    .option('--to <format>', `output key format: ${LORA_FORMATS.join(', ')} (default: the input's)`)
    .addOption(new Option('--dtype <dtype>', 'storage dtype of the new factors (default: as in the input)').choices(['f32', 'f16', 'bf16']))
    .addOption(
      new Option('--pad <mode>', 'channels the layer lacks (rank above its own): zeros, or trainable (random down rows, zero up: same delta, receives gradient)')
        .choices(['zeros', 'trainable'])
        .default('zeros'),
    )
    .option('--seed <n>', 'seed of --pad trainable', '0')
    .option('--max-abs-error', 'also compute the exact largest entry error (forms the delta row by row: slow on big layers)')
    .option('--json', 'print the report as JSON')
    .option('--quiet', 'print only the totals')
    .action(async (input: string, opts: RerankCliOptions) => {
      const rule = rankRule(opts);
      const maxRank = opts.maxRank === undefined ? undefined : positiveInteger(opts.maxRank, '--max-rank');
      const to = outputFormat(opts.to);
      const dtype = opts.dtype ? (opts.dtype.toUpperCase() as LoraFloatDType) : undefined;
      const bar = progressDisplay('rerank', !opts.json && !opts.quiet);
      const started = performance.now();
      let barStarted = false;
      try {
        const result = await rerankLoraFile(input, opts.output, {
          rule,
          maxRank,
          split: opts.split,
          exactMaxAbsError: opts.maxAbsError ?? false,
          pad: opts.pad,
          seed: seedOf(opts.seed),
          to,
          dtype,
          onLayer: (report, _done, total) => {
            if (!barStarted) {
              bar.start(total);
              barStarted = true;
            }
            bar.tick(report.name);
          },
        });
        if (barStarted) bar.stop();
        const capped = result.reports.filter((r) => r.rankCappedFrom !== null);
        if (capped.length > 0) {
          const largest = Math.max(...capped.map((r) => r.rankOut));
          process.stderr.write(
            `rerank: rank ${capped[0].rankCappedFrom} is above what ${capped.length} of ${result.reports.length} layers can hold; each was capped at min(out, in) of its layer (largest ${largest})\n`,
          );
        }
        const seconds = (performance.now() - started) / 1000;
        if (opts.json) {
          const { reports, ...rest } = result;
          process.stdout.write(`${JSON.stringify({ input, output: opts.output, rule, maxRank: maxRank ?? null, split: opts.split, seconds, ...rest, layers: reports }, null, 2)}\n`);
          return;
        }
        const table = formatReportTable(result.reports, result.totals).split('\n');
        process.stdout.write(`${(opts.quiet ? table.slice(-2) : table).join('\n')}\n`);
        process.stdout.write(`${result.inputFormat} -> ${result.outputFormat}: wrote ${opts.output} in ${seconds.toFixed(1)} s\n`);
      } finally {
        if (barStarted) bar.stop();
      }
    });
}
