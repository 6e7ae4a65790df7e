import { checkOptions, option } from '@loraflow/tensor-core';
import { CaptioningError } from './captioning-error.js';
import { captionDropout, type RandomSource } from './caption-dropout.js';
import { shuffleTags } from './tag-shuffle.js';
import { insertTrigger } from './trigger-words.js';

/** Per-step caption handling at training time, in kohya's order. */
export interface TrainingCaptionOptions {
  /** Put into the caption once ([trigger] placeholder replaced, else prepended). */
  trigger?: string;
  /** Text before / after every caption (kohya's caption_prefix / caption_suffix), joined with ", ". */
  prefix?: string;
  suffix?: string;
  /** Caption for images without one (ai-toolkit's default_caption). */
  defaultCaption?: string;
  /** Shuffle comma-separated tags, keeping the first `keepTokens` (default false / 1). */
  shuffle?: boolean;
  keepTokens?: number;
  /** Probability of dropping each unkept tag (kohya's caption_tag_dropout_rate). */
  tagDropout?: number;
  /** Probability of replacing the whole caption (kohya's caption_dropout_rate, ai-toolkit's caption_dropout_rate). */
  dropoutRate?: number;
  dropoutMode?: 'empty' | 'trigger';
}

/**
 * The caption a training step sees: default caption if missing, trigger, prefix and suffix, then either
 * caption dropout or (if kept) tag shuffle with keep-tokens and tag dropout. The trigger and prefix count
 * among the kept leading tags, so with keepTokens >= 1 they never move.
 */
export function prepareTrainingCaption(caption: string | undefined, options: TrainingCaptionOptions, random: RandomSource): string {
  checkOptions('prepareTrainingCaption', options, {
    trigger: option.string, prefix: option.string, suffix: option.string, defaultCaption: option.string, shuffle: option.boolean, keepTokens: option.integer({ min: 0 }),
    tagDropout: option.number({ min: 0, max: 1 }), dropoutRate: option.number({ min: 0, max: 1 }), dropoutMode: option.oneOf(['empty', 'trigger']),
  }, (m) => new CaptioningError(m));
  options ??= {};
  let text = (caption ?? '').trim() || (options.defaultCaption ?? '');
  if (options.trigger) text = insertTrigger(text, options.trigger);
  text = [options.prefix, text, options.suffix].map((s) => s?.trim()).filter(Boolean).join(', ');
  const dropped = captionDropout(text, { rate: options.dropoutRate ?? 0, mode: options.dropoutMode, trigger: options.trigger }, random);
  if (dropped !== text) return dropped;
  if (!options.shuffle && !options.tagDropout) return text;
  const keepTokens = options.keepTokens ?? 1;
  if (!options.shuffle) {
    // Tag dropout without shuffling: drop unkept tags in place.
    const tags = text.split(',').map((t) => t.trim()).filter(Boolean);
    return tags.filter((_, i) => i < keepTokens || random.next() >= (options.tagDropout ?? 0)).join(', ');
  }
  return shuffleTags(text, { keepTokens, tagDropout: options.tagDropout }, random);
}
