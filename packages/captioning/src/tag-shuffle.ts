import { checkOptions, option } from '@loraflow/tensor-core';
import { CaptioningError } from './captioning-error.js';
import type { RandomSource } from './caption-dropout.js';

/** Tag shuffle settings (kohya's shuffle_caption, keep_tokens and caption_tag_dropout_rate). */
export interface TagShuffleOptions {
  /** Leading tags that stay in place, in order (the trigger usually; default 1). */
  keepTokens?: number;
  /** Separator between tags (default ","). */
  separator?: string;
  /** Probability of dropping each tag that is not kept (default 0). */
  tagDropout?: number;
}

/** Shuffles comma-separated tags after the first `keepTokens`, optionally dropping some; the kept head never moves. */
export function shuffleTags(caption: string, options: TagShuffleOptions, random: RandomSource): string {
  checkOptions('shuffleTags', options, { keepTokens: option.integer({ min: 0 }), separator: option.string, tagDropout: option.number({ min: 0, max: 1 }) }, (m) => new CaptioningError(m));
  options ??= {};
  const sep = options.separator ?? ',';
  const keep = options.keepTokens ?? 1;
  const tags = caption.split(sep).map((t) => t.trim()).filter(Boolean);
  const head = tags.slice(0, keep);
  const tail = tags.slice(keep).filter(() => !(options.tagDropout && random.next() < options.tagDropout));
  for (let i = tail.length - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    [tail[i], tail[j]] = [tail[j], tail[i]];
  }
  return [...head, ...tail].join(`${sep.trim()} `);
}
