import { checkOptions, option } from '@loraflow/tensor-core';
import { CaptioningError } from './captioning-error.js';
/** A uniform [0, 1) source (datasets' SeededRandom fits). */
export interface RandomSource {
  next(): number;
}

/** Caption dropout settings. */
export interface CaptionDropoutOptions {
  /** Probability of dropping the caption (ai-toolkit uses 0.05). */
  rate: number;
  /** What a dropped caption becomes: "" (unconditional) or the trigger alone. */
  mode?: 'empty' | 'trigger';
  trigger?: string;
}

/** With probability `rate` replaces the caption by "" or by the trigger only, so the model also learns the style unprompted. */
export function captionDropout(caption: string, options: CaptionDropoutOptions, random: RandomSource): string {
  checkOptions('captionDropout', options, { rate: option.number({ min: 0, max: 1 }), mode: option.oneOf(['empty', 'trigger']), trigger: option.string }, (m) => new CaptioningError(m));
  if (options?.rate === undefined) throw new CaptioningError('captionDropout: option "rate" is missing, expected a number >= 0 <= 1');
  if (options.rate <= 0 || random.next() >= options.rate) return caption;
  return options.mode === 'trigger' ? (options.trigger ?? '').trim() : '';
}
