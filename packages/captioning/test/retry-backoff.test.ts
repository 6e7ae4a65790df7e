import { describe, expect, it } from 'vitest';
import { backoffDelay, CaptioningError, mapConcurrent, parseRetryAfter, withRetries } from '@loraflow/captioning';

describe('parseRetryAfter', () => {
  it('reads delta seconds and HTTP dates', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter('0')).toBe(0);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});

describe('backoffDelay', () => {
  it('doubles from the base with up to half jitter and respects the cap', () => {
    for (let attempt = 0; attempt < 6; attempt++) {
      const full = Math.min(5000, 100 * 2 ** attempt);
      expect(backoffDelay(attempt, undefined, { baseDelayMs: 100, maxDelayMs: 5000, random: () => 0 })).toBe(full / 2);
      expect(backoffDelay(attempt, undefined, { baseDelayMs: 100, maxDelayMs: 5000, random: () => 0.999999 })).toBeCloseTo(full, 2);
    }
  });

  it('prefers the server Retry-After, capped', () => {
    const e = new CaptioningError('429', { retryable: true, retryAfterMs: 2500 });
    expect(backoffDelay(0, e, { baseDelayMs: 1, maxDelayMs: 10_000 })).toBe(2500);
    expect(backoffDelay(0, e, { baseDelayMs: 1, maxDelayMs: 1000 })).toBe(1000);
  });
});

describe('withRetries', () => {
  it('retries retryable errors up to the budget, then rethrows the last one', async () => {
    let calls = 0;
    await expect(withRetries(async () => { calls++; throw new CaptioningError(`fail ${calls}`, { retryable: true }); }, { retries: 2, baseDelayMs: 1 }))
      .rejects.toThrow('fail 3');
    expect(calls).toBe(3);
  });

  it('stops at once on a non-retryable error and returns the first success', async () => {
    let calls = 0;
    await expect(withRetries(async () => { calls++; throw new CaptioningError('bad key'); }, { retries: 5, baseDelayMs: 1 })).rejects.toThrow('bad key');
    expect(calls).toBe(1);
    let n = 0;
    expect(await withRetries(async () => { if (++n < 3) throw new CaptioningError('x', { retryable: true }); return n; }, { retries: 5, baseDelayMs: 1 })).toBe(3);
  });

  it('stops waiting when the signal aborts', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('stop')), 20);
    const started = Date.now();
    await expect(withRetries(async () => { throw new CaptioningError('x', { retryable: true }); }, { retries: 5, baseDelayMs: 60_000, signal: controller.signal })).rejects.toThrow('stop');
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});

describe('mapConcurrent', () => {
  it('keeps input order and never exceeds the limit', async () => {
    let running = 0, peak = 0;
    const out = await mapConcurrent([5, 1, 4, 2, 3, 0, 6], 3, async (v) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, v * 3));
      running--;
      return v * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30, 0, 60]);
    expect(peak).toBe(3);
  });
});
