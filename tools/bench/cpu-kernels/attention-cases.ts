/** Attention benchmark cases shared by attention.ts and its peer processes: "seq x headDim x batchHeads". */
import { benchInput } from './measure.js';

/** One attention shape: q, k, v are [bh, seq, dim]. */
export interface AttentionCase {
  seq: number;
  dim: number;
  bh: number;
}

/** Key of a case in a peer's result ("1024x64x8"). */
export const caseKey = (c: AttentionCase): string => `${c.seq}x${c.dim}x${c.bh}`;

/** Cases from `--cases 256x64x8,1024x64x8`. */
export function casesFromArgs(argv: readonly string[]): AttentionCase[] {
  const i = argv.indexOf('--cases');
  if (i < 0) return [];
  return argv[i + 1].split(',').map((s) => {
    const [seq, dim, bh] = s.split('x').map(Number);
    return { seq, dim, bh };
  });
}

/** The same seeded q, k, v, dO every peer uses. */
export function attentionInputs(c: AttentionCase): { q: Float32Array; k: Float32Array; v: Float32Array; dO: Float32Array } {
  const n = c.bh * c.seq * c.dim;
  return { q: benchInput(n, 1), k: benchInput(n, 2), v: benchInput(n, 3), dO: benchInput(n, 4) };
}
