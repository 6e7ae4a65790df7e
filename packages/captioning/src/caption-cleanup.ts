import { checkOptions, option } from '@loraflow/tensor-core';
import { CaptioningError } from './captioning-error.js';
/** How raw model text is turned into a caption. */
export interface CleanCaptionOptions {
  /** Cap in characters (0 = none); cut at a sentence end when one is past half the cap, else at a word or tag boundary. */
  maxLength?: number;
}

const PREAMBLES: RegExp[] = [
  /^(sure|certainly|of course|okay|ok|absolutely|alright)\b[!,.:]?\s*/i,
  /^here(?:'s| is| are)\b[^:\n]{0,80}:\s*/i,
  /^(?:caption|description|tags)\s*:\s*/i,
  /^(?:in )?(?:this|the) (?:image|picture|illustration|artwork|scene)(?: (?:shows|depicts|features|presents|displays|is|contains)| we see)\s+/i,
  /^(?:the|this) (?:image|picture) is (?:a|an) /i,
];
const POSTAMBLES: RegExp[] = [
  /\s*(?:let me know|i hope this|feel free|if you(?:'d| would) like)[^]*$/i,
];
const QUOTES = /^["'`\u201c\u201d\u2018\u2019\u00ab\u00bb]+|["'`\u201c\u201d\u2018\u2019\u00ab\u00bb]+$/g;

function capAt(text: string, max: number): string {
  if (max <= 0 || text.length <= max) return text;
  const head = text.slice(0, max + 1);
  const sentence = Math.max(head.lastIndexOf('. '), head.lastIndexOf('.', max) === max - 1 ? max - 1 : -1);
  if (sentence >= max / 2) return head.slice(0, sentence + 1);
  const boundary = Math.max(head.lastIndexOf(' '), head.lastIndexOf(','));
  return head.slice(0, boundary > 0 ? boundary : max).replace(/[\s,;:]+$/, '');
}

/** Cleans model output into a caption: drops reasoning blocks, markdown, chat preambles and sign-offs, quotes, extra whitespace; caps the length. */
export function cleanCaption(raw: string, options: CleanCaptionOptions = {}): string {
  checkOptions('cleanCaption', options, { maxLength: option.integer({ min: 0 }) }, (m) => new CaptioningError(m));
  let text = raw.replace(/<think>[^]*?<\/think>/gi, ' ').replace(/```[a-z]*\n?|```/gi, ' ');
  text = text.replace(/^\s*#+\s+.*$/gm, ' ').replace(/\*\*|__/g, '').replace(/^\s*[-*•]\s+/gm, '');
  text = text.replace(/\s+/g, ' ').trim();
  for (let changed = true; changed;) {
    const before = text;
    text = text.replace(QUOTES, '').trim();
    for (const p of PREAMBLES) text = text.replace(p, '').trim();
    changed = text !== before;
  }
  for (const p of POSTAMBLES) text = text.replace(p, '').trim();
  text = text.replace(QUOTES, '').trim();
  return capAt(text, options.maxLength ?? 0).trim();
}
