import { tensor, type Device, type Tensor } from '@loraflow/tensor-core';
import { FlowDitError } from './flow-dit-error.js';

/** Id of padding positions (masked out everywhere). */
export const PAD_TOKEN_ID = 0;
/** Id of the start token every sequence begins with, so an empty prompt still has one token to attend to. */
export const START_TOKEN_ID = 1;
const RESERVED_IDS = 2;

/** A tokenized batch: ids [B, T] (i32) and mask [B, T] (u8, 1 = real token), padded to the longest prompt. */
export interface TokenBatch {
  ids: Tensor;
  mask: Tensor;
  /** The words each prompt kept (after lowercasing, splitting and truncation). */
  words: string[][];
}

/** The words of a prompt: lowercase runs of letters and digits ("2D" stays "2d"). */
export function promptWords(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

// 32-bit FNV-1a over UTF-16 code units (offset basis xor a seed): simple, stable across platforms and versions.
function fnv1a(word: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < word.length; i++) {
    h ^= word.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * A word-level tokenizer with no vocabulary file: each word is hashed into one of `vocabSize - 2` buckets. Any word,
 * including ones never seen in training (a held-out theme's words, a LoRA trigger such as "maplestorybg"), gets a
 * stable id of its own (up to rare hash collisions) instead of collapsing into a shared unknown token, so a LoRA can
 * teach the model what a new word means, as with a real BPE tokenizer.
 */
export class WordTokenizer {
  /** `hashSeed` picks the hash function; a trainer can choose one under which its known words do not collide. */
  constructor(readonly vocabSize: number, readonly maxLength: number, readonly hashSeed = 0) {
    if (!Number.isInteger(vocabSize) || vocabSize <= RESERVED_IDS) throw new FlowDitError(`WordTokenizer: vocabSize ${vocabSize}, expected an integer > ${RESERVED_IDS}`);
    if (!Number.isInteger(maxLength) || maxLength < 1) throw new FlowDitError(`WordTokenizer: maxLength ${maxLength}, expected an integer >= 1`);
  }

  /** The id of one word. */
  wordId(word: string): number {
    return RESERVED_IDS + (fnv1a(word, this.hashSeed) % (this.vocabSize - RESERVED_IDS));
  }

  /** Ids of one prompt: the start token then one id per word, cut to maxLength. */
  encode(text: string): number[] {
    return [START_TOKEN_ID, ...promptWords(text).slice(0, this.maxLength - 1).map((w) => this.wordId(w))];
  }

  /** Tokenizes a batch, padding with PAD_TOKEN_ID to the longest prompt. */
  batch(texts: readonly string[], device?: Device): TokenBatch {
    if (texts.length === 0) throw new FlowDitError('WordTokenizer.batch: expected at least one prompt');
    const seqs = texts.map((t) => this.encode(t));
    const len = Math.max(...seqs.map((s) => s.length));
    const ids = new Int32Array(texts.length * len);
    const mask = new Uint8Array(texts.length * len);
    seqs.forEach((s, b) => s.forEach((id, t) => {
      ids[b * len + t] = id;
      mask[b * len + t] = 1;
    }));
    return {
      ids: tensor(ids, [texts.length, len], { dtype: 'i32', device }),
      mask: tensor(mask, [texts.length, len], { dtype: 'u8', device }),
      words: texts.map((t) => promptWords(t).slice(0, this.maxLength - 1)),
    };
  }
}
