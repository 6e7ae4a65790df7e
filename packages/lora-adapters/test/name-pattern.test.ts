import { describe, expect, it } from 'vitest';
import { matchesName } from '../src/index.js';

describe('module name patterns', () => {
  const name = 'transformer_blocks.12.attn.to_out.0';
  it('plain names match the whole path or a dotted suffix (PEFT target_modules rule)', () => {
    expect([matchesName(name, 'to_out.0'), matchesName(name, 'attn.to_out.0'), matchesName(name, name), matchesName(name, 'out.0'), matchesName(name, 'to_out')]).toEqual([true, true, true, false, false]);
  });
  it('globs match the whole path: * within a part, ** across parts, ? one character', () => {
    expect(matchesName(name, 'transformer_blocks.*.attn.to_out.0')).toBe(true);
    expect(matchesName(name, '**.to_out.?')).toBe(true);
    expect(matchesName(name, '*.to_out.0')).toBe(false);
    expect(matchesName('transformer_blocks.3.img_mod.1', '**.*_mod.1')).toBe(true);
    expect(matchesName('transformer_blocks.3.img_mod.1', '*_mod.1')).toBe(false);
  });
  it('RegExps are searched anywhere in the path, also with the global flag', () => {
    const re = /blocks\.1\d\./g;
    expect([matchesName(name, re), matchesName(name, re), matchesName('transformer_blocks.2.attn.to_q', re)]).toEqual([true, true, false]);
  });
});
