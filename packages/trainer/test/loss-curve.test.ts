import { describe, expect, it } from 'vitest';
import { DivergenceGuard, movingAverage, renderLossCurve, TrainerError, writeLossCurve } from '../src/index.js';

describe('loss curve and divergence guard', () => {
  it('moving average equals the mean of the trailing window', () => {
    const xs = Array.from({ length: 30 }, (_, i) => Math.sin(i) + 2);
    const avg = movingAverage(xs, 7);
    xs.forEach((_, i) => {
      const win = xs.slice(Math.max(0, i - 6), i + 1);
      expect(avg[i]).toBeCloseTo(win.reduce((a, b) => a + b, 0) / win.length, 12);
    });
  });

  it('draws the smoothed line at the height of a constant loss', () => {
    const img = renderLossCurve(Array(50).fill(1), { width: 200, height: 100, window: 5 });
    // Constant 1 with top = 1.05: y = h - 12 - (h - 24) / 1.05 -> row 15.6 -> 16 for h = 100.
    const row = Math.round(100 - 12 - 76 / 1.05);
    const at = (x: number, y: number) => Array.from(img.data.subarray((y * 200 + x) * 3, (y * 200 + x) * 3 + 3));
    expect(at(100, row)).toEqual([230, 110, 20]);
    expect(at(100, row + 10)).not.toEqual([230, 110, 20]);
  });

  it('flags NaN, infinite gradients and a run-away loss, and not a noisy flat one', () => {
    const g = new DivergenceGuard(5);
    for (let i = 0; i < 60; i++) {
      expect(g.check(1 + 0.5 * Math.sin(i), 1)).toBeNull();
      g.observe(1 + 0.5 * Math.sin(i));
    }
    expect(g.check(Number.NaN, 1)).toMatch(/loss is NaN \(previous step/);
    expect(g.check(1, Number.POSITIVE_INFINITY)).toMatch(/gradient norm is Infinity/);
    expect(g.check(200, 1)).toMatch(/20-step mean loss .* exceeds 5 x its best/);
  });
});

describe('loss curve options', () => {
  const refuses = (call: () => unknown, pattern: RegExp) => {
    expect(call).toThrow(TrainerError);
    expect(call).toThrow(pattern);
  };

  it('refuses bad options with a TrainerError naming the option', () => {
    refuses(() => renderLossCurve([1, 2], { widht: 100 } as never), /renderLossCurve: unknown option "widht"; expected one of width, height, window/);
    refuses(() => renderLossCurve([1, 2], { window: Number.NaN }), /option "window" is NaN, expected an integer >= 1/);
    refuses(() => renderLossCurve([1, 2], { height: 10 }), /option "height" is 10, expected an integer >= 25/);
    refuses(() => renderLossCurve([1, 2], { width: 1e9 }), /option "width" is 1000000000, expected an integer >= 25 <= 16384/);
    refuses(() => renderLossCurve([1, 2], 'big' as never), /renderLossCurve: options must be an object.*got "big"/);
    return expect(writeLossCurve('/nonexistent/loss.png', [1, 2], { window: 0 })).rejects.toThrow(/writeLossCurve: option "window" is 0/);
  });

  it('leaves valid calls unchanged', () => {
    const a = renderLossCurve([3, 1, 2, 0.5]);
    const b = renderLossCurve([3, 1, 2, 0.5], { width: 640, height: undefined, window: 20 });
    expect(Buffer.from(b.data).equals(Buffer.from(a.data))).toBe(true);
  });
});
