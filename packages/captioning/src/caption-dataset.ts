import { loadDatasetFolder, readCaptionFile, writeCaptionFile } from '@loraflow/datasets';
import { cleanCaption } from './caption-cleanup.js';
import { loadCaptionImage } from './caption-image.js';
import type { Captioner } from './captioner.js';
import { CaptioningError } from './captioning-error.js';
import { mapConcurrent } from './concurrency-limit.js';
import { renderPrompt } from './prompt-presets.js';
import { withRetries } from './retry-backoff.js';
import { insertTrigger } from './trigger-words.js';

/** How a folder is captioned. */
export interface CaptionDatasetOptions {
  captioner: Captioner;
  /** A preset name (`style`, `tags`, `short`) or a template with {trigger} {name} {hint} (default `style`). */
  prompt?: string;
  /** Free text for the {hint} placeholder. */
  hint?: string;
  /** Trigger phrase put into every caption exactly once (see insertTrigger). */
  trigger?: string;
  /** Re-caption images that already have a non-empty caption file (default false: resume). */
  overwrite?: boolean;
  /** Report what would be captioned, with the prompt, without calling the backend or writing files. */
  dryRun?: boolean;
  /** Requests in flight at once (default 4). */
  concurrency?: number;
  /** Per-request timeout (default 120 s). */
  timeoutMs?: number;
  /** Retries after 429 / 5xx / timeouts / dropped connections / malformed replies (default 4). */
  retries?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Caption length cap in characters (default 0: none). */
  maxLength?: number;
  /** Longest image side sent to the backend (default 1024; 0 sends originals). */
  maxImageSide?: number;
  captionExtension?: string;
  recursive?: boolean;
  /** Progress events. */
  onEvent?: (event: CaptionEvent) => void;
  /** Cancels the run; images not yet done are reported as failed with reason "cancelled". */
  signal?: AbortSignal;
}

/** Progress of a caption run. */
export type CaptionEvent =
  | { type: 'start'; total: number; pending: number }
  | { type: 'retry'; path: string; attempt: number; delayMs: number; reason: string }
  | { type: 'done'; path: string; status: 'captioned' | 'skipped' | 'failed' | 'planned'; caption?: string; reason?: string };

/** What a caption run did. */
export interface CaptionSummary {
  readonly total: number;
  readonly captioned: { path: string; caption: string }[];
  readonly skipped: string[];
  readonly failed: { path: string; reason: string }[];
  /** Dry run only: what would be sent. */
  readonly planned: { path: string; prompt: string }[];
}

const DEFAULTS = {
  prompt: 'style', hint: '', trigger: '', overwrite: false, dryRun: false, concurrency: 4, timeoutMs: 120_000, retries: 4,
  baseDelayMs: 1000, maxDelayMs: 60_000, maxLength: 0, maxImageSide: 1024, captionExtension: '.txt', recursive: true,
  onEvent: () => {}, signal: undefined as AbortSignal | undefined,
};

/**
 * Captions every image of a folder that has no caption yet. Each caption is cleaned, gets the trigger, and is
 * written atomically beside its image as soon as it arrives, so a failed image, a crash or a dead server never
 * loses finished captions, and running again resumes where it stopped.
 */
export async function captionDataset(root: string, options: CaptionDatasetOptions): Promise<CaptionSummary> {
  // An option passed as undefined (a CLI flag left out) means its default, not "undefined".
  const o = { ...DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as typeof DEFAULTS & CaptionDatasetOptions;
  if (!Number.isInteger(o.concurrency) || o.concurrency < 1) throw new CaptioningError(`concurrency ${o.concurrency}: expected a positive integer`);
  const items = await loadDatasetFolder(root, { captionExtension: o.captionExtension, recursive: o.recursive });
  const summary: CaptionSummary = { total: items.length, captioned: [], skipped: [], failed: [], planned: [] };
  const pending: typeof items = [];
  for (const item of items) {
    const existing = await readCaptionFile(item.captionPath);
    if (existing && !o.overwrite) {
      summary.skipped.push(item.relativePath);
      o.onEvent({ type: 'done', path: item.relativePath, status: 'skipped' });
    } else pending.push(item);
  }
  o.onEvent({ type: 'start', total: items.length, pending: pending.length });
  // An authentication failure (401/403) will repeat for every image, so the rest of the run stops at once.
  const stop = new AbortController();
  let stopReason = '';
  const runSignal = o.signal ? AbortSignal.any([o.signal, stop.signal]) : stop.signal;
  const fail = (path: string, reason: string) => {
    summary.failed.push({ path, reason });
    o.onEvent({ type: 'done', path, status: 'failed', reason });
  };
  await mapConcurrent(pending, o.concurrency, async (item) => {
    const path = item.relativePath;
    const prompt = renderPrompt(o.prompt, { trigger: o.trigger, name: path.split('/').pop(), hint: o.hint });
    if (o.dryRun) {
      summary.planned.push({ path, prompt });
      o.onEvent({ type: 'done', path, status: 'planned' });
      return;
    }
    if (runSignal.aborted) return fail(path, stopReason || 'cancelled');
    try {
      const image = await loadCaptionImage(item.imagePath, path, o.maxImageSide);
      const caption = await withRetries(async () => {
        // A DOMException named TimeoutError marks the abort as a retryable timeout and says how long we waited.
        const timeout = new AbortController();
        const timer = setTimeout(() => timeout.abort(new DOMException(`timed out after ${o.timeoutMs} ms`, 'TimeoutError')), o.timeoutMs);
        let raw: string;
        try {
          raw = await o.captioner.caption({ image, prompt, signal: AbortSignal.any([timeout.signal, runSignal]) });
        } finally {
          clearTimeout(timer);
        }
        const cleaned = cleanCaption(raw, { maxLength: o.maxLength });
        if (!cleaned) throw new CaptioningError(`${path}: caption is empty after removing preambles and quotes`, { retryable: true });
        return insertTrigger(cleaned, o.trigger);
      }, {
        retries: o.retries, baseDelayMs: o.baseDelayMs, maxDelayMs: o.maxDelayMs, signal: runSignal,
        onRetry: (e, attempt, delayMs) => o.onEvent({ type: 'retry', path, attempt, delayMs, reason: e.message }),
      });
      await writeCaptionFile(item.captionPath, caption);
      summary.captioned.push({ path, caption });
      o.onEvent({ type: 'done', path, status: 'captioned', caption });
    } catch (error) {
      const e = error as CaptioningError;
      if (!runSignal.aborted && (e.status === 401 || e.status === 403)) {
        stopReason = `not attempted: ${e.message}`;
        stop.abort(new CaptioningError(stopReason));
        return fail(path, e.message);
      }
      fail(path, runSignal.aborted ? stopReason || 'cancelled' : e.message);
    }
  });
  const order = (a: { path: string }, b: { path: string }) => a.path.localeCompare(b.path);
  summary.captioned.sort(order);
  summary.failed.sort(order);
  summary.planned.sort(order);
  return summary;
}
