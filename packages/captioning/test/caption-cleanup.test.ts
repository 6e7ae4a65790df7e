import { describe, expect, it } from 'vitest';
import { cleanCaption } from '@loraflow/captioning';

describe('cleanCaption', () => {
  it('strips chat preambles, quotes and sign-offs', () => {
    expect(cleanCaption('Sure! Here is a caption for the image:\n\n"A quiet desert at dusk."\n\nLet me know if you want changes.')).toBe('A quiet desert at dusk.');
    expect(cleanCaption('Certainly. Caption: \u201cpink trees by a pagoda\u201d')).toBe('pink trees by a pagoda');
    expect(cleanCaption("Here's a detailed description: a forest")).toBe('a forest');
  });

  it('drops "The image shows" openings', () => {
    expect(cleanCaption('The image shows a snowy mountain range under a full moon.')).toBe('a snowy mountain range under a full moon.');
    expect(cleanCaption('In this image we see a night city.')).toBe('a night city.');
  });

  it('removes reasoning blocks, markdown and list bullets and collapses whitespace', () => {
    expect(cleanCaption('<think>the user wants\na caption</think>\n**A** coral   reef\n\n with fish')).toBe('A coral reef with fish');
    expect(cleanCaption('```\n- desert\n- dunes\n```')).toBe('desert dunes');
  });

  it('leaves a clean caption unchanged', () => {
    const c = 'a 2D side scrolling background, desert theme, red rock mesas, warm palette';
    expect(cleanCaption(c)).toBe(c);
  });

  it('caps length at a sentence end when one is late enough, else at a word', () => {
    const two = 'A wide desert with dunes and mesas. Cacti stand in the foreground under a blazing sun.';
    expect(cleanCaption(two, { maxLength: 60 })).toBe('A wide desert with dunes and mesas.');
    expect(cleanCaption('one two three four five six seven', { maxLength: 16 })).toBe('one two three');
    expect(cleanCaption('short', { maxLength: 100 })).toBe('short');
  });

  it('returns an empty string for output that is only decoration', () => {
    expect(cleanCaption('  "Sure!"  ')).toBe('');
  });
});
