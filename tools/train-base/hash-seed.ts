/** The tokenizer hash seed of a base model: the first under which no two known words share a bucket. */
import { WordTokenizer, type TextEncoderConfig } from '../../packages/flow-dit/src/index.ts';

/** The first hash seed from 0 under which every word of `vocab` gets its own id (held-out words keep embeddings of their own). */
export function collisionFreeHashSeed(vocab: readonly string[], config: Pick<TextEncoderConfig, 'vocabSize' | 'maxLength'>): number {
  for (let seed = 0; ; seed++) {
    const tok = new WordTokenizer(config.vocabSize, config.maxLength, seed);
    if (new Set(vocab.map((w) => tok.wordId(w))).size === vocab.length) return seed;
  }
}
