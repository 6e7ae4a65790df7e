/**
 * Layout of the Winograd part of a conv job descriptor (i32 words after the GEMM descriptor's;
 * pointers and strides in bytes). F(2x2, 3x3): each 2x2 output tile comes from a 4x4 input tile.
 */
export const WinoJob = {
  /** Input planes (images * inChannels) and inChannels. */
  planes: 64,
  cin: 65,
  cout: 66,
  /** Output tiles per column, and per row rounded up to a multiple of 4 (tiles are transformed 4 at a time). */
  tilesY: 67,
  tilesX: 68,
  /** GEMM columns: images * tilesY * tilesX. */
  p: 69,
  /** Zero-padded input [planes][hp][wp] (floats): tile (ty, tx) starts at row 2ty, column 2tx. */
  xp: 70,
  hp: 71,
  wp: 72,
  /** Weights: element (out o, in c, i, j) at w + o*sO + c*sC + i*sI + j*sJ (strides may be negative: flips). */
  w: 73,
  sO: 74,
  sC: 75,
  sI: 76,
  sJ: 77,
  /** Transformed weights U [16][cin][cout] and inputs V [16][cin][p]: the GEMM's A (transposed) and B. */
  u: 78,
  v: 79,
  /** GEMM output M [16][mPad][nPad] and the output planes [images * cout][2 tilesY][2 tilesX]. */
  m: 80,
  mPad: 81,
  nPad: 82,
  y: 83,
  /** Optional per-output-channel bias (0 = none). */
  bias: 84,
  /** Work counters of the two transform phases. */
  inNext: 85,
  inDone: 86,
  outNext: 87,
  outDone: 88,
  /** Weight-transform items of wino_in: cout / 4 (forward), 0 when only inputs are transformed. */
  quads: 89,
  /** Weight gradient: output-gradient planes [images * cout][2 tilesY][2 tilesX] (zero-padded), their transforms [16][cout][p], and dw [cout][cin][3][3]. */
  dy: 90,
  dyHat: 91,
  dw: 92,
} as const;
