import { JOB_ADDRESS } from '../thread-control.js';
import type { WasmArena } from '../wasm-arena.js';

/**
 * Layout of the conv part of a conv job descriptor: i32 words at these indices, after the GEMM
 * descriptor's words (a conv job is a GEMM job plus these), so one descriptor drives the
 * im2col / col2im phases and the GEMM phases of the same pool.run. Pointers and strides in bytes.
 */
export const ConvJob = {
  /** Image batch N and channels C; input planes H x W, output planes oh x ow. */
  images: 64,
  channels: 65,
  h: 66,
  w: 67,
  oh: 68,
  ow: 69,
  kh: 70,
  kw: 71,
  sh: 72,
  sw: 73,
  ph: 74,
  pw: 75,
  dh: 76,
  dw: 77,
  /** Channel groups and channels per group. */
  groups: 78,
  cg: 79,
  /** Image tensor [N, C, H, W] (read by im2col, written by col2im). */
  image: 80,
  /**
   * Patch columns: the row of (image n, channel c = g*cg + ic, kernel tap i, j) starts at
   * cols + ((n*groups + g)*groupRows + (ic*kh + i)*kw + j) * colStride; column y*ow + x is output pixel (y, x).
   */
  cols: 81,
  colStride: 82,
  groupRows: 83,
  /** Work counters of the im2col / col2im phase (items are (image, channel) planes). */
  next: 84,
  done: 85,
} as const;

/** Words of a conv job descriptor (GEMM words included). */
export const CONV_JOB_WORDS = 96;

/** Empties the arena for a new conv call and zeroes its job descriptor; returns the descriptor's address. */
export function freshConvJob(arena: WasmArena): number {
  arena.reset();
  arena.i32(JOB_ADDRESS, CONV_JOB_WORDS).fill(0);
  return JOB_ADDRESS;
}
