import { checkOptions, option } from '@loraflow/tensor-core';
import { CaptioningError } from './captioning-error.js';

/** How failed requests are retried. */
export interface RetryOptions {
  /** Further attempts after the first (default 4). */
  retries?: number;
  /** First backoff delay; doubles each attempt (default 1000 ms). */
  baseDelayMs?: number;
  /** Cap on any single delay, including a server's Retry-After (default 60 s). */
  maxDelayMs?: number;
  /** Uniform [0, 1) source for jitter (default Math.random). */
  random?: () => number;
  /** Called before each wait, for progress output. */
  onRetry?: (error: CaptioningError, attempt: number, delayMs: number) => void;
  /** Cancels the waits. */
  signal?: AbortSignal;
}

const RULES = {
  retries: option.integer({ min: 0 }), baseDelayMs: option.number({ min: 0 }), maxDelayMs: option.number({ min: 0 }), random: option.function, onRetry: option.function, signal: option.object,
};
const DEFAULTS = { retries: 4, baseDelayMs: 1000, maxDelayMs: 60_000, random: Math.random, onRetry: () => {}, signal: undefined };

/** Delay before retry number `attempt` (0-based): the server's Retry-After if it sent one, else exponential backoff with half jitter. */
export function backoffDelay(attempt: number, error: CaptioningError | undefined, options: RetryOptions = {}): number {
  checkOptions('backoffDelay', options, RULES, (m) => new CaptioningError(m));
  const o = { ...DEFAULTS, ...options };
  if (error?.retryAfterMs !== undefined) return Math.min(o.maxDelayMs, error.retryAfterMs);
  const exp = Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** attempt);
  return exp / 2 + (exp / 2) * o.random();
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) { reject(signal.reason); return; }
    const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    const onAbort = () => { clearTimeout(timer); reject(signal?.reason); };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Runs `attempt` until it succeeds, a non-retryable error occurs, or retries run out; the last error is rethrown. */
export async function withRetries<T>(attempt: (n: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  checkOptions('withRetries', options, RULES, (m) => new CaptioningError(m));
  const o = { ...DEFAULTS, ...options };
  for (let n = 0; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      const e = error instanceof CaptioningError ? error : new CaptioningError((error as Error).message ?? String(error));
      if (!e.retryable || n >= o.retries || o.signal?.aborted) throw e;
      const delay = backoffDelay(n, e, o);
      o.onRetry(e, n + 1, delay);
      await sleep(delay, o.signal);
    }
  }
}
