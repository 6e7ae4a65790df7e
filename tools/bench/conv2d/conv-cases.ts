/**
 * conv2d benchmark cases shared by conv.ts and its peer processes: 3x3, stride 1, padding 1,
 * dilation 1, with bias; x [N, C, H, W], w [O, C, 3, 3], b [O], output [N, O, H, W] (NCHW).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchInput } from '../cpu-kernels/measure.js';

/** One conv2d shape: batch, input channels, height, width, output channels. */
export interface ConvCase {
  n: number;
  c: number;
  h: number;
  w: number;
  o: number;
}

/** Kernel size, stride, padding and dilation every case uses. */
export const CONV = { k: 3, stride: 1, pad: 1, dilation: 1 } as const;

/** Key of a case in a peer's result ("1x64x128x128x64"). */
export const caseKey = (s: ConvCase): string => `${s.n}x${s.c}x${s.h}x${s.w}x${s.o}`;

/** The case a key names. */
export function parseCase(key: string): ConvCase {
  const [n, c, h, w, o] = key.split('x').map(Number);
  return { n, c, h, w, o };
}

/** Cases from `--shapes 1x64x128x128x64,2x320x32x32x320`; empty without the flag. */
export function casesFromArgs(argv: readonly string[]): ConvCase[] {
  const i = argv.indexOf('--shapes');
  return i < 0 ? [] : argv[i + 1].split(',').map(parseCase);
}

/** `--shapes` argument for a list of cases. */
export const shapesArg = (cases: ConvCase[]): string[] => ['--shapes', cases.map(caseKey).join(',')];

/** Multiply-add FLOPs of the forward; the backward (input and weight gradients) does twice this. */
export const forwardFlops = (s: ConvCase): number => 2 * s.n * s.o * s.h * s.w * s.c * CONV.k * CONV.k;

/** Seeded inputs in NCHW / OIHW, w scaled by 1/sqrt(fan-in) as Kaiming-style inits do, so outputs stay O(1). */
export function convInputs(s: ConvCase): { x: Float32Array; w: Float32Array; b: Float32Array; gy: Float32Array } {
  const fanIn = s.c * CONV.k * CONV.k;
  return {
    x: benchInput(s.n * s.c * s.h * s.w, 11),
    w: benchInput(s.o * fanIn, 12).map((v) => v / Math.sqrt(fanIn)),
    b: benchInput(s.o, 13).map((v) => v * 0.1),
    gy: benchInput(s.n * s.o * s.h * s.w, 14),
  };
}

/** Results a peer writes for the check case: y [N,O,H,W], and for peers with a backward dx [N,C,H,W] and dw [O,C,3,3]. */
export type CheckName = 'y' | 'dx' | 'dw';

/** Path of a peer's result (or of an input: x, w, b, gy) in the check directory. */
export const checkPath = (dir: string, tag: string, name: string): string => join(dir, `${tag}.${name}.f32`);

/** Writes a float32 array as raw little-endian bytes (the format conv.py reads with numpy.fromfile). */
export function writeF32(path: string, data: Float32Array): void {
  writeFileSync(path, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

/** Reads a raw float32 file, or null when it is absent. */
export function readF32(path: string): Float32Array | null {
  try {
    const b = readFileSync(path);
    return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  } catch {
    return null;
  }
}

/** `--check <dir>`: where the first case's inputs lie and peers write their results. */
export function checkDirArg(argv: readonly string[]): string | null {
  const i = argv.indexOf('--check');
  return i < 0 ? null : argv[i + 1];
}
