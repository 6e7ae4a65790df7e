import { describe, expect, it } from 'vitest';
import { containsPhrase, insertTrigger } from '@loraflow/captioning';

const T = 'maplestorybg, a 2D side scrolling background';

describe('insertTrigger', () => {
  it('prepends the trigger once to a caption without it', () => {
    expect(insertTrigger('a desert with dunes', 'mybg')).toBe('mybg, a desert with dunes');
  });

  it('replaces the [trigger] placeholder wherever it is, in any case', () => {
    expect(insertTrigger('a desert in [trigger] style', 'mybg')).toBe('a desert in mybg style');
    expect(insertTrigger('[TRIGGER], a desert', 'mybg')).toBe('mybg, a desert');
  });

  it('keeps only the first of several placeholders', () => {
    expect(insertTrigger('[trigger], a desert, [trigger]', 'mybg')).toBe('mybg, a desert');
  });

  it('removes placeholders when the trigger is empty', () => {
    expect(insertTrigger('[trigger], a desert', '')).toBe('a desert');
    expect(insertTrigger('a desert', '  ')).toBe('a desert');
  });

  it('never duplicates a trigger already present, whatever its case or position', () => {
    expect(insertTrigger('mybg, a desert', 'mybg')).toBe('mybg, a desert');
    expect(insertTrigger('a desert drawn as MyBG art', 'mybg')).toBe('a desert drawn as MyBG art');
    expect(insertTrigger(insertTrigger('a desert', T), T)).toBe(`${T}, a desert`);
  });

  it('does not take a longer word for the trigger', () => {
    expect(insertTrigger('mybgx style desert', 'mybg')).toBe('mybg, mybgx style desert');
  });

  it('does not repeat trigger parts the caption starts with', () => {
    expect(insertTrigger('a 2D side scrolling background, snowy mountains theme', T)).toBe(`${T}, snowy mountains theme`);
    expect(insertTrigger('maplestorybg, forest theme', T)).toBe(`${T}, forest theme`);
  });

  it('returns the trigger alone for an empty caption', () => {
    expect(insertTrigger('', 'mybg')).toBe('mybg');
    expect(insertTrigger('   ', T)).toBe(T);
  });

  it('treats regex characters in the trigger literally', () => {
    expect(insertTrigger('a desert', 'style (v2.0)*')).toBe('style (v2.0)*, a desert');
    expect(insertTrigger('style (v2.0)*, a desert', 'style (v2.0)*')).toBe('style (v2.0)*, a desert');
  });

  it('tidies stray commas and spaces left around the trigger', () => {
    expect(insertTrigger(' ,  a desert ,, dunes ', 'mybg')).toBe('mybg, a desert, dunes');
    expect(insertTrigger('a desert, [trigger] ,', 'mybg')).toBe('a desert, mybg');
  });
});

describe('containsPhrase', () => {
  it('matches whole phrases only', () => {
    expect(containsPhrase('Foo bar, baz', 'foo bar')).toBe(true);
    expect(containsPhrase('foobar', 'foo')).toBe(false);
    expect(containsPhrase('café style', 'caf')).toBe(false);
  });
});
