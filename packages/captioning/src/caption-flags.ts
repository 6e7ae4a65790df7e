import { checkOptions, option } from '@loraflow/tensor-core';
import { CaptioningError } from './captioning-error.js';
import { containsPhrase } from './trigger-words.js';

/** Problems the review marks on a caption. */
export type CaptionFlag =
  | 'missing caption' | 'empty caption' | 'missing trigger' | 'very short' | 'very long'
  | 'duplicate caption' | 'near-duplicate image' | 'mentions people' | 'mentions text' | 'unreadable image';

/** Thresholds for caption flags. */
export interface CaptionFlagOptions {
  trigger?: string;
  /** Fewer words than this is "very short" (default 6). */
  minWords?: number;
  /** More words than this is "very long" (default 200; CLIP-style encoders read ~75 tokens, T5/Qwen far more). */
  maxWords?: number;
}

const PEOPLE = /\b(person|people|man|men|woman|women|girl|boy|child|children|character|characters|figure|crowd)\b/i;
const TEXT = /\b(text|word|words|letters|lettering|logo|watermark|signature|title|written)\b/i;

/** Flags for one caption on its own (duplicates are found across the set by the review). */
export function captionFlags(caption: string | undefined, options: CaptionFlagOptions = {}): CaptionFlag[] {
  checkOptions('captionFlags', options, { trigger: option.string, minWords: option.integer({ min: 0 }), maxWords: option.integer({ min: 1 }) }, (m) => new CaptioningError(m));
  if (caption === undefined) return ['missing caption'];
  const text = caption.trim();
  if (!text) return ['empty caption'];
  const flags: CaptionFlag[] = [];
  if (options.trigger && !containsPhrase(text, options.trigger) && !/\[trigger\]/i.test(text)) flags.push('missing trigger');
  const words = text.split(/[\s,]+/).filter(Boolean).length;
  if (words < (options.minWords ?? 6)) flags.push('very short');
  if (words > (options.maxWords ?? 200)) flags.push('very long');
  if (PEOPLE.test(text)) flags.push('mentions people');
  if (TEXT.test(text)) flags.push('mentions text');
  return flags;
}
