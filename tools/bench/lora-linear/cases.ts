/**
 * LoRA linear benchmark cases shared by bench.ts and its peer processes:
 * y = x W^T + b + s (x A^T) B^T with x [tokens, in], W [out, in] frozen, b [out], A [rank, in], B [out, rank].
 */
import { benchInput, type MeasureOptions } from '../cpu-kernels/measure.js';

/** One LoRA linear shape. */
export interface LoraCase {
  tokens: number;
  inF: number;
  outF: number;
  rank: number;
}

/** Key of a case in a peer's result ("1024x3072x3072r16"). */
export const caseKey = (c: LoraCase): string => `${c.tokens}x${c.inF}x${c.outF}r${c.rank}`;

/** Cases from `--cases 576x256x1024r8,1024x3072x3072r16`. */
export function casesFromArgs(argv: readonly string[]): LoraCase[] {
  const i = argv.indexOf('--cases');
  if (i < 0) return [];
  return argv[i + 1].split(',').map((s) => {
    const [tokens, inF, outF, rank] = s.split(/[xr]/).map(Number);
    return { tokens, inF, outF, rank };
  });
}

/** The LoRA scale alpha / rank with alpha = rank, as PEFT's default config gives. */
export const LORA_SCALE = 1;

/** Seeded inputs every peer uses; W, A, B scaled like their usual initialisations so values stay O(1). */
export function loraInputs(c: LoraCase): { x: Float32Array; w: Float32Array; b: Float32Array; a: Float32Array; bUp: Float32Array; dy: Float32Array } {
  const scaled = (n: number, seed: number, s: number) => benchInput(n, seed).map((v) => v * s);
  return {
    x: benchInput(c.tokens * c.inF, 1),
    w: scaled(c.outF * c.inF, 2, 1 / Math.sqrt(c.inF)),
    b: scaled(c.outF, 3, 0.1),
    a: scaled(c.rank * c.inF, 4, 1 / Math.sqrt(c.inF)),
    bUp: scaled(c.outF * c.rank, 5, 0.1),
    dy: benchInput(c.tokens * c.outF, 6),
  };
}

/** Matmul FLOPs: forward 2*t*(in*out + rank*(in+out)); backward dx through W and the adapter plus dA, dB. */
export function loraFlops(c: LoraCase): { forward: number; backward: number } {
  const forward = 2 * c.tokens * (c.inF * c.outF + c.rank * (c.inF + c.outF));
  const backward = 2 * c.tokens * (c.inF * c.outF + 2 * c.rank * (c.inF + c.outF));
  return { forward, backward };
}

/** Fewer runs for the DiT-sized cases (a tfjs step there takes seconds); the same rule is in peer-torch.py. */
export function measureOptionsFor(c: LoraCase): Partial<MeasureOptions> {
  return loraFlops(c).forward > 5e9 ? { warmup: 2, minRuns: 3, minTimeMs: 0 } : {};
}
