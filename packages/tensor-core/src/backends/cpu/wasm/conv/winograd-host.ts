import { JOB_ADDRESS } from '../thread-control.js';
import { planGemm } from '../gemm/gemm-plan.js';
import { CONV_JOB_WORDS, freshConvJob } from './conv-job.js';
import type { ConvContext } from './conv-host.js';

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

/** A stride-1, undilated, ungrouped 3x3 convolution as the Winograd kernels see it. */
export interface WinogradConv {
  images: number;
  cin: number;
  h: number;
  w: number;
  cout: number;
  ph: number;
  pw: number;
  /** Weight element (out o, in c, i, j) at weightOffset + o*sO + c*sC + i*sI + j*sJ floats of `weights`. */
  weights: Float32Array;
  weightOffset: number;
  sO: number;
  sC: number;
  sI: number;
  sJ: number;
}

/** Whether the Winograd F(2x2, 3x3) path applies: 3x3, stride 1, no dilation, one group, output channels in fours. */
export function winogradApplies(p: { kh: number; kw: number; sh: number; sw: number; dh: number; dw: number; groups: number; outChannels: number; oh: number; ow: number }): boolean {
  return p.kh === 3 && p.kw === 3 && p.sh === 1 && p.sw === 1 && p.dh === 1 && p.dw === 1 && p.groups === 1 && p.outChannels % 4 === 0 && p.oh > 0 && p.ow > 0;
}

/** Where the tiles lie: output size, tile counts (columns in fours), padded input planes, GEMM columns. */
interface Tiling {
  oh: number; ow: number; tilesY: number; tilesX: number; hp: number; wp: number; planes: number; P: number;
}

function tiling(c: Omit<WinogradConv, 'weights' | 'weightOffset' | 'sO' | 'sC' | 'sI' | 'sJ'>): Tiling {
  const oh = c.h + 2 * c.ph - 2;
  const ow = c.w + 2 * c.pw - 2;
  const tilesY = Math.ceil(oh / 2);
  const tilesX = Math.ceil(Math.ceil(ow / 2) / 4) * 4;
  // Rows / columns tile (ty, tx) reads: 2ty..2ty+3 and 2tx..2tx+3 (the v128 loads reach 2tx+9 of the last group).
  return { oh, ow, tilesY, tilesX, hp: 2 * tilesY + 2, wp: 2 * tilesX + 2, planes: c.images * c.cin, P: c.images * tilesY * tilesX };
}

/** Copies `planes` h x w planes of src into fresh zeroed rows x cols planes at row / column offset (r0, c0); returns the address. */
function padPlanes(ctx: ConvContext, src: Float32Array, planes: number, h: number, w: number, rows: number, cols: number, r0: number, c0: number, what: string): number {
  const addr = ctx.arena.alloc(planes * rows * cols * 4, what);
  const v = ctx.arena.f32(addr, planes * rows * cols);
  if (rows === h && cols === w) {
    v.set(src.subarray(0, planes * h * w));
    return addr;
  }
  v.fill(0);
  for (let pl = 0; pl < planes; pl++) {
    for (let r = 0; r < h; r++) v.set(src.subarray((pl * h + r) * w, (pl * h + r + 1) * w), (pl * rows + r + r0) * cols + c0);
  }
  return addr;
}

function writeFields(ctx: ConvContext, fields: [keyof typeof WinoJob, number][]): void {
  const d = ctx.arena.i32(JOB_ADDRESS, CONV_JOB_WORDS);
  for (const [name, value] of fields) d[WinoJob[name]] = value;
}

/**
 * out [images, cout, oh, ow] = conv3x3(x) + bias by Winograd F(2x2, 3x3): the host copies x into a
 * zero-padded buffer (tiles then need no bounds checks); one pool job runs the transforms in
 * (wino_in), the 16 tile-position GEMMs (gemm_pack, gemm_compute) and the transform out (wino_out).
 */
export function runWinograd(ctx: ConvContext, x: Float32Array, c: WinogradConv, bias: Float32Array | null, out: Float32Array, threads: number): void {
  const { arena } = ctx;
  const { oh, ow, tilesY, tilesX, hp, wp, planes, P } = tiling(c);
  const job = freshConvJob(arena);
  const xp = padPlanes(ctx, x, planes, c.h, c.w, hp, wp, c.ph, c.pw, 'conv2d padded input');
  const wLen = c.weights.length;
  const wAddr = arena.alloc(wLen * 4, 'conv2d weight');
  arena.f32(wAddr, wLen).set(c.weights);
  const u = arena.alloc(16 * c.cin * c.cout * 4, 'winograd weights');
  const v = arena.alloc(16 * c.cin * P * 4, 'winograd inputs');
  const y = arena.alloc(c.images * c.cout * 4 * tilesY * tilesX * 4, 'winograd outputs');
  const biasAddr = bias ? arena.alloc(c.cout * 4, 'conv2d bias') : 0;
  if (bias) arena.f32(biasAddr, c.cout).set(bias.subarray(0, c.cout));
  const plan = planGemm(arena, job, ctx.micro, { pack: ctx.phases.gemmPack, compute: ctx.phases.gemmCompute }, threads,
    { batch: 16, m: c.cout, n: P, k: c.cin },
    { raw: u, batchBytes: c.cin * c.cout * 4, rowStride: 4, kStride: c.cout * 4, batches: 16 },
    { raw: v, batchBytes: c.cin * P * 4, rowStride: 4, kStride: P * 4, batches: 16 });
  writeFields(ctx, [
    ['planes', planes], ['cin', c.cin], ['cout', c.cout], ['tilesY', tilesY], ['tilesX', tilesX], ['p', P], ['quads', c.cout / 4],
    ['xp', xp], ['hp', hp], ['wp', wp], ['w', wAddr + c.weightOffset * 4], ['sO', c.sO * 4], ['sC', c.sC * 4], ['sI', c.sI * 4], ['sJ', c.sJ * 4],
    ['u', u], ['v', v], ['m', plan.c], ['mPad', plan.mPad], ['nPad', plan.nPad], ['y', y], ['bias', biasAddr],
  ]);
  const word = job / 4;
  ctx.pool.run(job, [
    { fn: ctx.phases.winoIn, doneWord: word + WinoJob.inDone, total: planes + c.cout / 4 },
    ...plan.phases,
    { fn: ctx.phases.winoOut, doneWord: word + WinoJob.outDone, total: c.images * c.cout },
  ], threads === 1);
  const yw = 2 * tilesX;
  const yh = 2 * tilesY;
  const yv = arena.f32(y, c.images * c.cout * yh * yw);
  if (yw === ow && yh === oh) {
    out.set(yv);
    return;
  }
  for (let pl = 0; pl < c.images * c.cout; pl++) {
    for (let r = 0; r < oh; r++) out.set(yv.subarray((pl * yh + r) * yw, (pl * yh + r) * yw + ow), (pl * oh + r) * ow);
  }
}

/**
 * dw [cout, cin, 3, 3] of a Winograd-eligible conv from x and dy: wino_wgrad_in transforms the input
 * tiles (V, as the forward) and the output-gradient tiles (A dy A^T), the 16 GEMMs sum their products
 * over every tile of every image, wino_wgrad_out maps each 4x4 sum back to a 3x3 filter gradient.
 */
export function runWinogradWeightGrad(ctx: ConvContext, x: Float32Array, dy: Float32Array, c: Omit<WinogradConv, 'weights' | 'weightOffset' | 'sO' | 'sC' | 'sI' | 'sJ'>, dw: Float32Array, threads: number): void {
  const { arena } = ctx;
  const { oh, ow, tilesY, tilesX, hp, wp, planes, P } = tiling(c);
  const job = freshConvJob(arena);
  const xp = padPlanes(ctx, x, planes, c.h, c.w, hp, wp, c.ph, c.pw, 'conv2d padded input');
  const dyp = padPlanes(ctx, dy, c.images * c.cout, oh, ow, 2 * tilesY, 2 * tilesX, 0, 0, 'conv2d padded output gradient');
  const v = arena.alloc(16 * c.cin * P * 4, 'winograd inputs');
  const dyHat = arena.alloc(16 * c.cout * P * 4, 'winograd output gradients');
  const dwAddr = arena.alloc(c.cout * c.cin * 9 * 4, 'conv2d weight gradient');
  // Per tile position xi: Mw[xi] (cout x cin) = dyHat[xi] (cout x P) @ V[xi]^T (P x cin).
  const plan = planGemm(arena, job, ctx.micro, { pack: ctx.phases.gemmPack, compute: ctx.phases.gemmCompute }, threads,
    { batch: 16, m: c.cout, n: c.cin, k: P },
    { raw: dyHat, batchBytes: c.cout * P * 4, rowStride: P * 4, kStride: 4, batches: 16 },
    { raw: v, batchBytes: c.cin * P * 4, rowStride: P * 4, kStride: 4, batches: 16 });
  writeFields(ctx, [
    ['planes', planes], ['cin', c.cin], ['cout', c.cout], ['tilesY', tilesY], ['tilesX', tilesX], ['p', P],
    ['xp', xp], ['hp', hp], ['wp', wp], ['v', v], ['m', plan.c], ['mPad', plan.mPad], ['nPad', plan.nPad],
    ['dy', dyp], ['dyHat', dyHat], ['dw', dwAddr],
  ]);
  const word = job / 4;
  ctx.pool.run(job, [
    { fn: ctx.phases.winoWgradIn, doneWord: word + WinoJob.inDone, total: planes + c.images * c.cout },
    ...plan.phases,
    { fn: ctx.phases.winoWgradOut, doneWord: word + WinoJob.outDone, total: c.cout },
  ], threads === 1);
  dw.set(arena.f32(dwAddr, c.cout * c.cin * 9));
}
