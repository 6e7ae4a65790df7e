import { describe, expect, it } from 'vitest';
import { checkArgument, checkOptions, option, withDefaults } from '../src/index.js';

const RULES = { to: option.oneOf(['a', 'b']), steps: option.integer({ min: 1 }), p: option.number({ min: 0, below: 1 }), on: option.boolean, f: option.function };

describe('checkOptions', () => {
  it('accepts given values that fit and undefined ones', () => {
    expect(() => checkOptions('fn', { to: 'b', steps: undefined, p: 0, on: false, f: () => 1 }, RULES)).not.toThrow();
    expect(() => checkOptions('fn', undefined, RULES)).not.toThrow();
  });

  it('names the function, the option, what was found and what was expected', () => {
    expect(() => checkOptions('fn', { to: 'c' }, RULES)).toThrow('fn: option "to" is "c", expected one of a, b');
    expect(() => checkOptions('fn', { steps: 1.5 }, RULES)).toThrow('fn: option "steps" is 1.5, expected an integer >= 1');
    expect(() => checkOptions('fn', { p: 1 }, RULES)).toThrow('fn: option "p" is 1, expected a number >= 0 < 1');
    expect(() => checkOptions('fn', { p: Number.NaN }, RULES)).toThrow('fn: option "p" is NaN, expected a number >= 0 < 1');
    expect(() => checkOptions('fn', { on: 'yes' }, RULES)).toThrow('fn: option "on" is "yes", expected true or false');
    expect(() => checkOptions('fn', { tо: 'a' }, RULES)).toThrow('fn: unknown option "tо"; expected one of to, steps, p, on, f');
    expect(() => checkOptions('fn', 'a', RULES)).toThrow('fn: options must be an object of named options (to, steps, p, on, f), got "a"');
    expect(() => checkOptions('fn', [1], RULES, (m) => new RangeError(m))).toThrow(RangeError);
    expect(() => checkArgument('fn', 'by', Infinity, option.number())).toThrow('fn: by is Infinity, expected a number');
  });
});

describe('withDefaults', () => {
  it('keeps a default when the option is undefined', () => {
    expect(withDefaults({ a: 1, b: 2 }, { a: undefined, b: 3 })).toEqual({ a: 1, b: 3 });
    expect(withDefaults({ a: 1 }, undefined)).toEqual({ a: 1 });
  });
});
