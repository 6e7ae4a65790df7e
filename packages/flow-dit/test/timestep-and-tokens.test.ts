import { tensor } from '@loraflow/tensor-core';
import { describe, expect, it } from 'vitest';
import { FlowDitError, promptWords, START_TOKEN_ID, timestepProjection, WordTokenizer } from '../src/index.js';

describe('timestep projection', () => {
  it('matches diffusers get_timestep_embedding(flip_sin_to_cos, shift 0, scale 1000) in float64', async () => {
    const sigmas = [0.013, 0.5, 0.977];
    const got = (await timestepProjection(tensor(sigmas, [3]), 16).data()) as Float32Array;
    sigmas.forEach((s, b) => {
      for (let k = 0; k < 8; k++) {
        const arg = 1000 * s * Math.exp((-Math.log(10000) * k) / 8);
        // f32 argument up to 1000 rad: ~1e-4 absolute rounding in the angle.
        expect(Math.abs(got[b * 16 + k] - Math.cos(arg))).toBeLessThan(3e-4);
        expect(Math.abs(got[b * 16 + 8 + k] - Math.sin(arg))).toBeLessThan(3e-4);
      }
    });
  });
});

describe('word tokenizer', () => {
  const tok = new WordTokenizer(1000, 8, 3);

  it('lowercases and splits on anything but letters and digits', () => {
    expect(promptWords('maplestorybg, a 2D side-scrolling Background!')).toEqual(['maplestorybg', 'a', '2d', 'side', 'scrolling', 'background']);
  });

  it('gives the same id to the same word in any context and case, and ids in [2, vocab)', () => {
    const a = tok.encode('Forest, green forest');
    expect(a[0]).toBe(START_TOKEN_ID);
    expect(a[1]).toBe(a[3]);
    expect(a.every((id, i) => i === 0 || (id >= 2 && id < 1000))).toBe(true);
  });

  it('gives unseen words their own ids (no shared unknown token)', () => {
    const ids = new Set(['maplestorybg', 'pagoda', 'torii', 'blossom'].map((w) => tok.wordId(w)));
    expect(ids.size).toBe(4);
  });

  it('changes the hash with the seed', () => {
    const other = new WordTokenizer(1000, 8, 4);
    const words = ['a', 'forest', 'desert', 'night', 'city'];
    expect(words.map((w) => other.wordId(w))).not.toEqual(words.map((w) => tok.wordId(w)));
  });

  it('pads a batch to the longest prompt with a mask, cuts to maxLength and keeps a start token for ""', async () => {
    const batch = tok.batch(['', 'one two', 'a b c d e f g h i j']);
    expect(batch.ids.shape).toEqual([3, 8]);
    const mask = Array.from((await batch.mask.data()) as Uint8Array);
    expect(mask).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1]);
    const ids = Array.from((await batch.ids.data()) as Int32Array);
    expect(ids[0]).toBe(START_TOKEN_ID);
    expect(ids.slice(1, 8)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(batch.words[2]).toHaveLength(7);
  });

  it('rejects a vocabulary too small for the reserved ids', () => {
    expect(() => new WordTokenizer(2, 8)).toThrow(FlowDitError);
  });
});
