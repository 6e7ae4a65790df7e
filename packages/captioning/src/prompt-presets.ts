import { CaptioningError } from './captioning-error.js';

/** Built-in prompts: `style` for style-LoRA datasets (one descriptive paragraph), `tags` for booru-style tag lists, `short` for one sentence. */
export const PROMPT_PRESETS = {
  style:
    'Describe this image as a caption for training an image model on its visual style. Write one paragraph of plain prose: '
    + 'the kind of scene, its main elements from background to foreground, the colour palette, the lighting and the time of day. '
    + 'Do not mention people or text, do not guess the artist, do not start with "This image" or "The image", '
    + 'and do not add any preamble, quotes, lists or markdown.',
  tags:
    'List the visible contents of this image as comma-separated lowercase tags, most important first: '
    + 'scene type, elements, colours, lighting, time of day. Output only the tags on one line, no sentences, no numbering.',
  short:
    'Describe this image in one short sentence: the scene, its main elements and its colours. No preamble, no quotes.',
} as const;

/** A built-in prompt name. */
export type PromptPreset = keyof typeof PROMPT_PRESETS;

/** Values a prompt template may reference as `{trigger}`, `{name}` and `{hint}`. */
export interface PromptVariables {
  trigger?: string;
  /** File name of the image. */
  name?: string;
  /** Free text from the user (e.g. "these are game backgrounds"). */
  hint?: string;
}

/** Whether a string names a built-in preset. */
export function isPromptPreset(name: string): name is PromptPreset {
  return Object.prototype.hasOwnProperty.call(PROMPT_PRESETS, name);
}

/** Renders a preset name or a user template, replacing `{trigger}`, `{name}` and `{hint}`; unknown `{placeholders}` are an error. */
export function renderPrompt(presetOrTemplate: string, variables: PromptVariables = {}): string {
  const template = isPromptPreset(presetOrTemplate) ? PROMPT_PRESETS[presetOrTemplate] : presetOrTemplate;
  if (!template.trim()) throw new CaptioningError('prompt: the template is empty; expected a preset name (style, tags, short) or text');
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => {
    if (key !== 'trigger' && key !== 'name' && key !== 'hint') {
      throw new CaptioningError(`prompt: unknown placeholder ${whole}; expected {trigger}, {name} or {hint}`);
    }
    return variables[key as keyof PromptVariables] ?? '';
  }).replace(/[ \t]+/g, ' ').trim();
}
