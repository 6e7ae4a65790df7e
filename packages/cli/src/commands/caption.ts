import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { CAPTION_BACKENDS, captionDataset, createCaptioner, type CaptionBackend } from '@loraflow/captioning';
import { progressDisplay } from './progress-display.js';
import { registerCaptionReview } from './caption-review.js';

interface CaptionFlags {
  backend?: string;
  model?: string;
  baseUrl?: string;
  apiKey?: string;
  trigger?: string;
  prompt: string;
  promptFile?: string;
  hint?: string;
  concurrency: string;
  retries: string;
  timeout: string;
  maxLength: string;
  maxImageSide: string;
  maxTokens?: string;
  overwrite?: boolean;
  dryRun?: boolean;
  captionExtension: string;
  progress: boolean;
  json?: boolean;
}

function integer(name: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} ${JSON.stringify(value)}: expected an integer >= ${min}`);
  return n;
}

/** `loraflow caption DIR` (and `loraflow caption review DIR`): captions a folder with a vision-language API or the offline captioner. */
export function register(program: Command): void {
  // `caption` takes options and has a `review` subcommand with some of the same option names; with positional
  // options at both levels, `caption review DIR --trigger x` gives --trigger to review instead of to caption.
  // The program itself has no options of its own, so this changes nothing for other commands.
  program.enablePositionalOptions();
  const caption = program
    .command('caption')
    .description('caption every uncaptioned image of a folder (resumable; writes img.txt beside img.png); see also `caption review`')
    .argument('<dir>', 'dataset folder')
    .enablePositionalOptions()
    .option('--backend <name>', `captioner: ${CAPTION_BACKENDS.join(' | ')} (offline = embedded, for procedural scenes)`)
    .option('--model <id>', 'model id (env LORAFLOW_CAPTION_MODEL, OPENAI_MODEL, GEMINI_MODEL, OLLAMA_MODEL)')
    .option('--base-url <url>', 'endpoint root (env LORAFLOW_CAPTION_BASE_URL, OPENAI_BASE_URL, GEMINI_BASE_URL, OLLAMA_HOST)')
    .option('--api-key <key>', 'API key (env LORAFLOW_CAPTION_API_KEY, OPENAI_API_KEY, GEMINI_API_KEY / GOOGLE_API_KEY)')
    .option('--trigger <phrase>', 'trigger phrase put into every caption once ([trigger] placeholder replaced, else prepended)')
    .option('--prompt <preset|text>', 'prompt preset (style, tags, short) or a template with {trigger} {name} {hint}', 'style')
    .option('--prompt-file <path>', 'read the prompt template from a file')
    .option('--hint <text>', 'text for the {hint} placeholder')
    .option('--concurrency <n>', 'requests in flight', '4')
    .option('--retries <n>', 'retries on 429 / 5xx / timeouts / malformed replies', '4')
    .option('--timeout <seconds>', 'per-request timeout', '120')
    .option('--max-length <chars>', 'caption length cap (0 = none)', '0')
    .option('--max-image-side <px>', 'shrink larger images before upload (0 = send originals)', '1024')
    .option('--max-tokens <n>', 'generation limit sent to the model')
    .option('--overwrite', 're-caption images that already have a caption')
    .option('--dry-run', 'show what would be captioned and the prompt; send and write nothing')
    .option('--caption-extension <ext>', 'caption file extension', '.txt')
    .option('--no-progress', 'hide the progress bar')
    .option('--json', 'print the summary as JSON')
    .action(async (dir: string, flags: CaptionFlags) => {
      if (!flags.backend || !(CAPTION_BACKENDS as readonly string[]).includes(flags.backend)) {
        throw new Error(`--backend ${flags.backend ? `"${flags.backend}"` : 'is missing'}: expected one of ${CAPTION_BACKENDS.join(', ')}`);
      }
      const captioner = createCaptioner({
        backend: flags.backend as CaptionBackend, model: flags.model, baseUrl: flags.baseUrl, apiKey: flags.apiKey,
        maxTokens: flags.maxTokens ? integer('--max-tokens', flags.maxTokens, 1) : undefined,
      });
      const prompt = flags.promptFile ? await readFile(flags.promptFile, 'utf8') : flags.prompt;
      const progress = progressDisplay('caption', flags.progress && !flags.dryRun);
      let retries = 0;
      const summary = await captionDataset(dir, {
        captioner, prompt, hint: flags.hint, trigger: flags.trigger, overwrite: flags.overwrite, dryRun: flags.dryRun,
        concurrency: integer('--concurrency', flags.concurrency, 1), retries: integer('--retries', flags.retries, 0),
        timeoutMs: integer('--timeout', flags.timeout, 1) * 1000, maxLength: integer('--max-length', flags.maxLength, 0),
        maxImageSide: integer('--max-image-side', flags.maxImageSide, 0), captionExtension: flags.captionExtension,
        onEvent: (e) => {
          if (e.type === 'start') progress.start(e.pending);
          else if (e.type === 'retry') retries++;
          else if (e.status !== 'skipped') progress.tick(`${e.status} ${e.path}`);
        },
      });
      progress.stop();
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ backend: captioner.backend, model: captioner.model, retries, ...summary }, null, 2)}\n`);
      } else if (flags.dryRun) {
        const lines = [`dry run (${captioner.backend} ${captioner.model}): ${summary.planned.length} to caption, ${summary.skipped.length} already captioned`];
        for (const p of summary.planned) lines.push(`  ${p.path}`);
        if (summary.planned.length) lines.push(`prompt: ${summary.planned[0].prompt}`);
        process.stdout.write(`${lines.join('\n')}\n`);
      } else {
        const lines = [`${captioner.backend} ${captioner.model}: captioned ${summary.captioned.length}, skipped ${summary.skipped.length}, failed ${summary.failed.length} (${retries} retries)`];
        for (const f of summary.failed) lines.push(`  failed ${f.path}: ${f.reason}`);
        process.stdout.write(`${lines.join('\n')}\n`);
      }
      if (summary.failed.length > 0) process.exitCode = 1;
    });
  registerCaptionReview(caption);
}
