import { CaptioningError } from './captioning-error.js';

/** Parses a Retry-After header (delta seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function describe(error: unknown): string {
  const e = error as Error & { cause?: { code?: string; message?: string } };
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(error);
}

/** Options for one JSON POST. */
export interface PostJsonOptions {
  headers?: Record<string, string>;
  signal: AbortSignal;
  /** Name of the endpoint for messages (`openai chat/completions`). */
  label: string;
}

/**
 * POSTs JSON and returns the parsed reply, classifying failures for the retry loop: 408/429/5xx,
 * dropped connections, aborted requests and unparseable bodies are retryable; other 4xx are not.
 */
export async function postJson(url: string, body: unknown, options: PostJsonOptions): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...options.headers },
      body: JSON.stringify(body),
      signal: options.signal,
    });
  } catch (error) {
    if (options.signal.aborted) {
      const reason = options.signal.reason as Error | undefined;
      throw new CaptioningError(`${options.label}: ${reason?.message ?? 'request aborted'}`, { retryable: reason?.name === 'TimeoutError' });
    }
    throw new CaptioningError(`${options.label}: connection failed (${describe(error)})`, { retryable: true });
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    const reason = options.signal.aborted ? ((options.signal.reason as Error | undefined)?.message ?? 'aborted') : describe(error);
    throw new CaptioningError(`${options.label}: reply cut off (${reason})`, { retryable: true, status: response.status });
  }
  if (!response.ok) {
    const retryable = response.status === 408 || response.status === 429 || response.status >= 500;
    const snippet = text.replace(/\s+/g, ' ').slice(0, 300);
    throw new CaptioningError(`${options.label}: HTTP ${response.status}${snippet ? `: ${snippet}` : ''}`, {
      retryable, status: response.status, retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
    });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new CaptioningError(`${options.label}: malformed JSON in reply (${text.slice(0, 80).replace(/\s+/g, ' ')}...)`, { retryable: true, status: response.status });
  }
}

/** Base64 of bytes (Node Buffer when present, else btoa). */
export function toBase64(bytes: Uint8Array): string {
  if (typeof Buffer !== 'undefined') return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
