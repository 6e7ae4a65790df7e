import { describe, expect, it } from 'vitest';
import { PROMPT_PRESETS, renderPrompt } from '@loraflow/captioning';

describe('renderPrompt', () => {
  it('expands presets and fills placeholders in user templates', () => {
    expect(renderPrompt('style')).toBe(PROMPT_PRESETS.style);
    expect(renderPrompt('Caption {name} ({hint}) for {trigger}.', { name: 'a.png', hint: 'game art', trigger: 'mybg' })).toBe('Caption a.png (game art) for mybg.');
    expect(renderPrompt('Describe {hint} the scene.')).toBe('Describe the scene.');
  });

  it('the style preset asks for palette and lighting and forbids people, text and preambles', () => {
    expect(PROMPT_PRESETS.style).toMatch(/palette/);
    expect(PROMPT_PRESETS.style).toMatch(/lighting/);
    expect(PROMPT_PRESETS.style).toMatch(/not mention people or text/);
    expect(PROMPT_PRESETS.tags).toMatch(/comma-separated/);
  });

  it('rejects unknown placeholders and empty templates', () => {
    expect(() => renderPrompt('Describe {style}')).toThrow(/unknown placeholder \{style\}/);
    expect(() => renderPrompt('  ')).toThrow(/template is empty/);
  });
});
