import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Generator, SeededRandom, seededUniform, splitmix32Uniform } from '@loraflow/tensor-core';

/**
 * sha256 (first 16 hex digits) of the first 1000 values of each stream as float64s, recorded from the
 * three implementations before they became one family here (commit 43e94ae: tensor-core's Generator,
 * datasets' SeededRandom, flow-samplers' seededUniform). A change to any stream changes committed
 * fixtures and the base model's training data, so these must never move.
 */
const RECORDED: Record<string, string> = {
  'philox 0 uniform': '067da7ede70643a5',
  'philox 0 normal': '6ff2f1afffb9f879',
  'philox 1 uniform': '05c7627459b4ba21',
  'philox 1 normal': 'bc09389cafb6ad7b',
  'philox 42 uniform': '7afd023abc00d334',
  'philox 42 normal': '03209fdfe35f665b',
  'philox 1099511627779 uniform': '914a4f660d8e4e5e',
  'philox 1099511627779 normal': 'cd79b236fff385ec',
  'splitmix32 0': '25ebab6f1e2126ef',
  'splitmix32 1': '384b297ca350d97b',
  'splitmix32 42': '357d87f8ea264a0d',
  'splitmix32 -7': 'eb66f1f5ab1dd309',
  'splitmix32 2147483653': 'e4d6a25ed86a440b',
  'splitmix32 "scene-0"': '56946e29596a5bac',
  'splitmix32 "forest"': '137e435cf3335b5f',
  'mulberry32 0': '35099d8ed9f55d78',
  'mulberry32 1': 'fd7bec27ffadf1e2',
  'mulberry32 42': '6a0975ec37bb277c',
  'mulberry32 4294967295': '4380f176ad349a50',
};

const N = 1000;
const digest = (values: ArrayLike<number>) => createHash('sha256').update(new Uint8Array(Float64Array.from(values).buffer)).digest('hex').slice(0, 16);
const draw = (next: () => number) => Array.from({ length: N }, next);

describe('the host random family', () => {
  it('Generator (Philox) reproduces the recorded uniform then normal sequences per seed', () => {
    for (const seed of [0, 1, 42, 2 ** 40 + 3]) {
      const g = new Generator(seed);
      expect(digest(g.uniform(N)), `seed ${seed}`).toBe(RECORDED[`philox ${seed} uniform`]);
      // The normals continue the same stream (blocks 250 on).
      expect(digest(g.normal(N)), `seed ${seed}`).toBe(RECORDED[`philox ${seed} normal`]);
    }
  });

  it('SeededRandom and splitmix32Uniform reproduce the recorded sequences for number and named seeds', () => {
    for (const seed of [0, 1, 42, -7, 2 ** 31 + 5, 'scene-0', 'forest']) {
      const key = `splitmix32 ${JSON.stringify(seed)}`;
      const rng = new SeededRandom(seed);
      expect(digest(draw(() => rng.next())), key).toBe(RECORDED[key]);
      expect(digest(draw(splitmix32Uniform(seed))), key).toBe(RECORDED[key]);
    }
  });

  it('seededUniform (mulberry32) reproduces the recorded sequences', () => {
    for (const seed of [0, 1, 42, 0xffffffff]) expect(digest(draw(seededUniform(seed))), `seed ${seed}`).toBe(RECORDED[`mulberry32 ${seed}`]);
  });

  it('different seeds and different names give different streams', () => {
    expect(new Set(Object.values(RECORDED)).size).toBe(Object.keys(RECORDED).length);
    expect(digest(draw(splitmix32Uniform('forest')))).not.toBe(digest(draw(splitmix32Uniform('forest ')))); // one character apart
  });
});
