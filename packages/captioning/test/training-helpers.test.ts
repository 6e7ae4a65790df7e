import { describe, expect, it } from 'vitest';
import { SeededRandom } from '@loraflow/datasets';
import { captionDropout, prepareTrainingCaption, shuffleTags } from '@loraflow/captioning';

describe('captionDropout', () => {
  it('drops at the requested rate (binomial bound) to empty or to the trigger', () => {
    const rng = new SeededRandom(42);
    const n = 20000, rate = 0.1;
    let dropped = 0;
    for (let i = 0; i < n; i++) if (captionDropout('mybg, a desert', { rate }, rng) === '') dropped++;
    // 5 standard deviations of a binomial(n, rate) count.
    expect(Math.abs(dropped - n * rate)).toBeLessThan(5 * Math.sqrt(n * rate * (1 - rate)));
    const kept = new Set(Array.from({ length: 200 }, () => captionDropout('mybg, a desert', { rate: 0.5, mode: 'trigger', trigger: 'mybg' }, rng)));
    expect(kept).toEqual(new Set(['mybg', 'mybg, a desert']));
  });

  it('never drops at rate 0 and always drops at rate 1', () => {
    const rng = new SeededRandom(1);
    expect(captionDropout('x', { rate: 0 }, rng)).toBe('x');
    expect(captionDropout('x', { rate: 1 }, rng)).toBe('');
  });
});

describe('shuffleTags', () => {
  const caption = 'mybg, desert, dunes, cacti, sun, mesas, dust';

  it('keeps the first N tags in place and permutes the rest', () => {
    const rng = new SeededRandom(3);
    const orders = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const out = shuffleTags(caption, { keepTokens: 2 }, rng).split(', ');
      expect(out.slice(0, 2)).toEqual(['mybg', 'desert']);
      expect([...out].sort()).toEqual(caption.split(', ').sort());
      orders.add(out.join(','));
    }
    expect(orders.size).toBeGreaterThan(20);
  });

  it('is deterministic for a seed', () => {
    expect(shuffleTags(caption, { keepTokens: 1 }, new SeededRandom(9))).toBe(shuffleTags(caption, { keepTokens: 1 }, new SeededRandom(9)));
  });

  it('drops only unkept tags with tag dropout', () => {
    const rng = new SeededRandom(5);
    for (let i = 0; i < 30; i++) {
      const out = shuffleTags(caption, { keepTokens: 1, tagDropout: 0.5 }, rng).split(', ');
      expect(out[0]).toBe('mybg');
      for (const t of out) expect(caption.split(', ')).toContain(t);
    }
    expect(shuffleTags(caption, { keepTokens: 1, tagDropout: 1 }, rng)).toBe('mybg');
  });
});

describe('prepareTrainingCaption', () => {
  const never = { next: () => 0.99 };
  const always = { next: () => 0 };

  it('adds trigger, prefix and suffix once, and fills missing captions with the default', () => {
    expect(prepareTrainingCaption('a desert', { trigger: 'mybg', prefix: 'best', suffix: 'game art' }, never)).toBe('best, mybg, a desert, game art');
    expect(prepareTrainingCaption(undefined, { trigger: 'mybg', defaultCaption: 'a scene' }, never)).toBe('mybg, a scene');
    expect(prepareTrainingCaption('mybg, a desert', { trigger: 'mybg' }, never)).toBe('mybg, a desert');
  });

  it('drops the whole caption to empty or to the trigger', () => {
    expect(prepareTrainingCaption('a desert', { trigger: 'mybg', dropoutRate: 0.5 }, always)).toBe('');
    expect(prepareTrainingCaption('a desert', { trigger: 'mybg', dropoutRate: 0.5, dropoutMode: 'trigger' }, always)).toBe('mybg');
  });

  it('shuffles after the kept leading tags and drops unkept tags with tag dropout', () => {
    const rng = new SeededRandom(8);
    for (let i = 0; i < 20; i++) {
      const out = prepareTrainingCaption('dunes, cacti, sun, mesas', { trigger: 'mybg', shuffle: true, keepTokens: 1 }, rng).split(', ');
      expect(out[0]).toBe('mybg');
      expect([...out].sort()).toEqual(['cacti', 'dunes', 'mesas', 'mybg', 'sun']);
    }
    expect(prepareTrainingCaption('dunes, cacti, sun', { trigger: 'mybg', tagDropout: 0.5, keepTokens: 1 }, always)).toBe('mybg');
  });
});
