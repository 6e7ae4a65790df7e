import type { I2lTensorSpec } from './i2l-state-specs.js';

/**
 * DiffSynth's recognition hash of a state dict (`hash_model_file` with shapes): MD5 of the sorted
 * strings `key:d0_d1_...` and `key`, joined by commas. Node only (MD5 is not in WebCrypto).
 */
export async function i2lModelHash(specs: Iterable<I2lTensorSpec>): Promise<string> {
  const { createHash } = await import('node:crypto');
  const strings: string[] = [];
  for (const s of specs) strings.push(`${s.key}:${s.shape.join('_')}`, s.key);
  strings.sort();
  return createHash('md5').update(strings.join(','), 'utf8').digest('hex');
}
