import { JOB_ADDRESS } from '../thread-control.js';
import type { JobPhase, ThreadPool } from '../thread-pool.js';
import type { WasmArena } from '../wasm-arena.js';
import { WasmKernelError } from '../wasm-kernel-error.js';
import { planGemm, type GemmOperand } from '../gemm/gemm-plan.js';
import { CONV_JOB_WORDS, ConvJob, freshConvJob } from './conv-job.js';
import { runWinograd, runWinogradWeightGrad, winogradApplies } from './winograd-host.js';

/** Geometry of a 2-D convolution (PyTorch semantics): x [batch, inChannels, height, width], w [outChannels, inChannels/groups, kh, kw]. */
export interface ConvParams {
  batch: number;
  inChannels: number;
  height: number;
  width: number;
  outChannels: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  ph: number;
  pw: number;
  dh: number;
  dw: number;
  groups: number;
  oh: number;
  ow: number;
}

/** Pool phase indices the conv jobs use. */
export interface ConvPhaseIndex {
  im2col: number;
  col2im: number;
  /** conv_pack: GEMM panels straight from the image (forward). */
  implicitPack: number;
  /** Winograd F(2x2, 3x3) transforms in and out. */
  winoIn: number;
  winoOut: number;
  winoWgradIn: number;
  winoWgradOut: number;
  gemmPack: number;
  gemmCompute: number;
}

/** The kernels' context for one conv call. */
export interface ConvContext {
  pool: ThreadPool;
  arena: WasmArena;
  micro: { mr: number; nr: number };
  phases: ConvPhaseIndex;
}

/** Below this many multiply-adds the calling thread works alone (as for matmul). */
const SOLO_MACS = 1 << 22;

interface Dims {
  n: number; c: number; o: number; g: number; cg: number; og: number; kdim: number; l: number; imageLen: number;
  /** 1x1, stride 1, no padding: the patch matrix is the image itself. */
  pointwise: boolean;
}

function dims(p: ConvParams): Dims {
  const ints = Object.entries(p);
  for (const [name, v] of ints) {
    if (!Number.isInteger(v) || v < 0) throw new WasmKernelError(`conv2d: ${name}=${v}, expected a non-negative integer`);
  }
  for (const name of ['kh', 'kw', 'sh', 'sw', 'dh', 'dw', 'groups'] as const) {
    if (p[name] < 1) throw new WasmKernelError(`conv2d: ${name}=${p[name]}, expected at least 1`);
  }
  if (p.inChannels % p.groups !== 0 || p.outChannels % p.groups !== 0) {
    throw new WasmKernelError(`conv2d: inChannels=${p.inChannels} and outChannels=${p.outChannels} must be multiples of groups=${p.groups}`);
  }
  const oh = Math.floor((p.height + 2 * p.ph - p.dh * (p.kh - 1) - 1) / p.sh) + 1;
  const ow = Math.floor((p.width + 2 * p.pw - p.dw * (p.kw - 1) - 1) / p.sw) + 1;
  if (oh !== p.oh || ow !== p.ow) throw new WasmKernelError(`conv2d: output ${p.oh}x${p.ow} given, the geometry gives ${oh}x${ow}`);
  const cg = p.inChannels / p.groups;
  const pointwise = p.kh === 1 && p.kw === 1 && p.sh === 1 && p.sw === 1 && p.ph === 0 && p.pw === 0;
  return {
    n: p.batch, c: p.inChannels, o: p.outChannels, g: p.groups, cg, og: p.outChannels / p.groups,
    kdim: cg * p.kh * p.kw, l: p.oh * p.ow, imageLen: p.batch * p.inChannels * p.height * p.width, pointwise,
  };
}

function need(what: string, arr: Float32Array, len: number, p: ConvParams): void {
  if (arr.length < len) {
    throw new WasmKernelError(`conv2d (x [${p.batch},${p.inChannels},${p.height},${p.width}], w [${p.outChannels},${p.inChannels / p.groups},${p.kh},${p.kw}]): ${what} has ${arr.length} elements, needs ${len}`);
  }
}

/** Copies `src` into fresh wasm memory and returns its address. */
function put(arena: WasmArena, src: Float32Array, len: number, what: string): number {
  const addr = arena.alloc(len * 4, what);
  arena.f32(addr, len).set(src.subarray(0, len));
  return addr;
}

/** Writes the conv words of the descriptor; `cols` rows are `colStride` bytes apart, `groupRows` per (image, group). */
function writeConvJob(arena: WasmArena, p: ConvParams, d: Dims, image: number, cols: number, colStride: number, groupRows: number): void {
  const w = arena.i32(JOB_ADDRESS, CONV_JOB_WORDS);
  const put2: [keyof typeof ConvJob, number][] = [
    ['images', p.batch], ['channels', p.inChannels], ['h', p.height], ['w', p.width], ['oh', p.oh], ['ow', p.ow],
    ['kh', p.kh], ['kw', p.kw], ['sh', p.sh], ['sw', p.sw], ['ph', p.ph], ['pw', p.pw], ['dh', p.dh], ['dw', p.dw],
    ['groups', p.groups], ['cg', d.cg], ['image', image], ['cols', cols], ['colStride', colStride], ['groupRows', groupRows],
    ['next', 0], ['done', 0],
  ];
  for (const [name, v] of put2) w[ConvJob[name]] = v;
}

function planePhase(fn: number, d: Dims): JobPhase {
  return { fn, doneWord: JOB_ADDRESS / 4 + ConvJob.done, total: d.n * d.c };
}

/** The patch matrix of every image ([N][C*kh*kw][oh*ow]) in wasm memory, and the phase that fills it (none for pointwise convs). */
function patches(ctx: ConvContext, p: ConvParams, d: Dims, image: number): { cols: number; phase: JobPhase[] } {
  if (d.pointwise) return { cols: image, phase: [] };
  const cols = ctx.arena.alloc(d.n * d.c * p.kh * p.kw * d.l * 4, 'conv2d patches');
  writeConvJob(ctx.arena, p, d, image, cols, d.l * 4, d.kdim);
  return { cols, phase: [planePhase(ctx.phases.im2col, d)] };
}

function threadsFor(ctx: ConvContext, d: Dims): number {
  return d.n * d.o * d.kdim * d.l < SOLO_MACS ? 1 : ctx.pool.threads;
}

/** The forward over the given batch in one pool job: Winograd where it applies, else the implicit GEMM per (image, group). */
function forwardOnce(ctx: ConvContext, x: Float32Array, w: Float32Array, bias: Float32Array | null, out: Float32Array, p: ConvParams): void {
  const d = dims(p);
  need('x', x, d.imageLen, p);
  need('weight', w, d.o * d.kdim, p);
  need('out', out, d.n * d.o * d.l, p);
  if (bias) need('bias', bias, d.o, p);
  if (d.n === 0 || d.o === 0 || d.l === 0) return;
  if (d.kdim === 0) {
    for (let i = 0; i < d.n * d.o; i++) out.fill(bias ? bias[i % d.o] : 0, i * d.l, (i + 1) * d.l);
    return;
  }
  if (winogradApplies(p)) {
    const c = p.inChannels;
    const conv = { images: d.n, cin: c, h: p.height, w: p.width, cout: d.o, ph: p.ph, pw: p.pw, weights: w.subarray(0, d.o * d.kdim), weightOffset: 0, sO: c * 9, sC: 9, sI: 3, sJ: 1 };
    runWinograd(ctx, x, conv, bias, out, threadsFor(ctx, d));
    return;
  }
  const { arena } = ctx;
  const job = freshConvJob(arena);
  // The image goes first: conv_pack's border loads may stray a few floats past it, into the weights.
  const image = put(arena, x, d.imageLen, 'conv2d input');
  const wAddr = put(arena, w, d.o * d.kdim, 'conv2d weight');
  writeConvJob(arena, p, d, image, 0, 0, 0);
  const threads = threadsFor(ctx, d);
  // Per (image n, group g): W[g] (og x kdim) @ patches[n, g] (kdim x L); B is described for the record, conv_pack packs it.
  const plan = planGemm(arena, job, ctx.micro, { pack: ctx.phases.gemmPack, compute: ctx.phases.gemmCompute }, threads,
    { batch: d.n * d.g, m: d.og, n: d.l, k: d.kdim },
    { raw: wAddr, batchBytes: d.og * d.kdim * 4, rowStride: d.kdim * 4, kStride: 4, batches: d.g },
    { raw: image, batchBytes: 0, rowStride: 4, kStride: d.l * 4, batches: d.n * d.g });
  ctx.pool.run(job, [{ ...plan.phases[0], fn: ctx.phases.implicitPack }, plan.phases[1]], threads === 1);
  // Output batch n*g + gi row r is channel gi*og + r of image n: [N*G][og][L] is [N][O][L] once the padding is dropped.
  const cv = arena.f32(plan.c, d.n * d.g * plan.mPad * plan.nPad);
  for (let bi = 0; bi < d.n * d.g; bi++) {
    for (let r = 0; r < d.og; r++) {
      const src = (bi * plan.mPad + r) * plan.nPad;
      const dst = (bi * d.og + r) * d.l;
      if (!bias) {
        out.set(cv.subarray(src, src + d.l), dst);
        continue;
      }
      const bv = bias[(bi % d.g) * d.og + r];
      for (let k = 0; k < d.l; k++) out[dst + k] = cv[src + k] + bv;
    }
  }
}

/** dx [N, C, H, W] of conv2d from dy [N, O, oh, ow]: the GEMM W[g]^T @ dy[n, g] gives patch gradients, col2im (threads over planes) sums them. */
function inputGradOnce(ctx: ConvContext, dy: Float32Array, w: Float32Array, dx: Float32Array, p: ConvParams): void {
  const d = dims(p);
  need('dy', dy, d.n * d.o * d.l, p);
  need('weight', w, d.o * d.kdim, p);
  need('dx', dx, d.imageLen, p);
  if (d.imageLen === 0) return;
  if (d.o === 0 || d.l === 0) {
    dx.fill(0, 0, d.imageLen);
    return;
  }
  // dx is the 3x3 convolution of dy with the flipped, transposed kernel and padding 2 - p.
  if (winogradApplies({ ...p, outChannels: p.inChannels }) && p.ph <= 2 && p.pw <= 2) {
    const c = p.inChannels;
    const conv = { images: d.n, cin: d.o, h: p.oh, w: p.ow, cout: c, ph: 2 - p.ph, pw: 2 - p.pw, weights: w.subarray(0, d.o * d.kdim), weightOffset: 8, sO: 9, sC: c * 9, sI: -3, sJ: -1 };
    runWinograd(ctx, dy, conv, null, dx, threadsFor(ctx, d));
    return;
  }
  const { arena } = ctx;
  const job = freshConvJob(arena);
  const dyAddr = put(arena, dy, d.n * d.o * d.l, 'conv2d output gradient');
  const wAddr = put(arena, w, d.o * d.kdim, 'conv2d weight');
  const image = arena.alloc(d.imageLen * 4, 'conv2d input gradient');
  const threads = threadsFor(ctx, d);
  // A = W[g]^T (kdim x og, W stored og x kdim), B = dy[n, g] (og x L).
  const plan = planGemm(arena, job, ctx.micro, { pack: ctx.phases.gemmPack, compute: ctx.phases.gemmCompute }, threads,
    { batch: d.n * d.g, m: d.kdim, n: d.l, k: d.og },
    { raw: wAddr, batchBytes: d.og * d.kdim * 4, rowStride: 4, kStride: d.kdim * 4, batches: d.g },
    { raw: dyAddr, batchBytes: d.og * d.l * 4, rowStride: 4, kStride: d.l * 4, batches: d.n * d.g });
  writeConvJob(arena, p, d, image, plan.c, plan.nPad * 4, plan.mPad);
  ctx.pool.run(job, [...plan.phases, planePhase(ctx.phases.col2im, d)], threads === 1);
  dx.set(arena.f32(image, d.imageLen));
}

/** dw [O, C/groups, kh, kw] of conv2d from x and dy: per (image, group) dy[n, g] @ patches[n, g]^T, summed over images. */
function weightGradOnce(ctx: ConvContext, x: Float32Array, dy: Float32Array, dw: Float32Array, p: ConvParams): void {
  const d = dims(p);
  need('x', x, d.imageLen, p);
  need('dy', dy, d.n * d.o * d.l, p);
  need('dw', dw, d.o * d.kdim, p);
  if (d.o * d.kdim === 0) return;
  if (d.n === 0 || d.l === 0) {
    dw.fill(0, 0, d.o * d.kdim);
    return;
  }
  if (winogradApplies(p) && p.inChannels % 4 === 0) {
    runWinogradWeightGrad(ctx, x, dy, { images: d.n, cin: p.inChannels, h: p.height, w: p.width, cout: d.o, ph: p.ph, pw: p.pw }, dw, threadsFor(ctx, d));
    return;
  }
  const { arena } = ctx;
  const job = freshConvJob(arena);
  const image = put(arena, x, d.imageLen, 'conv2d input');
  const dyAddr = put(arena, dy, d.n * d.o * d.l, 'conv2d output gradient');
  const { cols, phase } = patches(ctx, p, d, image);
  const threads = threadsFor(ctx, d);
  // A = dy[n, g] (og x L), B = patches[n, g]^T (L x kdim).
  const plan = planGemm(arena, job, ctx.micro, { pack: ctx.phases.gemmPack, compute: ctx.phases.gemmCompute }, threads,
    { batch: d.n * d.g, m: d.og, n: d.kdim, k: d.l },
    { raw: dyAddr, batchBytes: d.og * d.l * 4, rowStride: d.l * 4, kStride: 4, batches: d.n * d.g },
    { raw: cols, batchBytes: d.kdim * d.l * 4, rowStride: d.l * 4, kStride: 4, batches: d.n * d.g });
  ctx.pool.run(job, [...phase, ...plan.phases], threads === 1);
  const cv = arena.f32(plan.c, d.n * d.g * plan.mPad * plan.nPad);
  for (let gi = 0; gi < d.g; gi++) {
    for (let r = 0; r < d.og; r++) {
      const dst = (gi * d.og + r) * d.kdim;
      const first = (gi * plan.mPad + r) * plan.nPad;
      dw.set(cv.subarray(first, first + d.kdim), dst);
      for (let n = 1; n < d.n; n++) {
        const src = ((n * d.g + gi) * plan.mPad + r) * plan.nPad;
        for (let k = 0; k < d.kdim; k++) dw[dst + k] += cv[src + k];
      }
    }
  }
}

/** Whether a call failed only because its buffers do not fit the kernels' wasm memory. */
function outOfMemory(e: unknown): boolean {
  return e instanceof WasmKernelError && e.message.includes('bytes of wasm memory');
}

/**
 * Runs `once` on the whole batch, or, when its buffers do not fit the wasm memory (2 GiB at most,
 * as little as 128 MiB on some hosts), on halves of the batch, recursively; `once` gets the batch
 * sub-range. A single image that does not fit still fails with the allocation's message.
 */
function splitBatch(p: ConvParams, once: (q: ConvParams, first: number) => void, first = 0): void {
  try {
    once(p, first);
  } catch (e) {
    if (!outOfMemory(e) || p.batch < 2) throw e;
    const half = Math.ceil(p.batch / 2);
    splitBatch({ ...p, batch: half }, once, first);
    splitBatch({ ...p, batch: p.batch - half }, once, first + half);
  }
}

const inLen = (p: ConvParams) => p.inChannels * p.height * p.width;
const outLen = (p: ConvParams) => p.outChannels * p.oh * p.ow;

/**
 * out [N, O, oh, ow] = conv2d(x, w) + bias: Winograd F(2x2, 3x3) where it applies, else an implicit
 * GEMM (conv_pack writes the weight and patch panels straight from the image, gemm_compute multiplies).
 */
export function runConvForward(ctx: ConvContext, x: Float32Array, w: Float32Array, bias: Float32Array | null, out: Float32Array, p: ConvParams): void {
  splitBatch(p, (q, first) => forwardOnce(ctx, x.subarray(first * inLen(p)), w, bias, out.subarray(first * outLen(p)), q));
}

/** dx [N, C, H, W] of conv2d from dy [N, O, oh, ow] and w. */
export function runConvInputGrad(ctx: ConvContext, dy: Float32Array, w: Float32Array, dx: Float32Array, p: ConvParams): void {
  splitBatch(p, (q, first) => inputGradOnce(ctx, dy.subarray(first * outLen(p)), w, dx.subarray(first * inLen(p)), q));
}

/** dw [O, C/groups, kh, kw] of conv2d from x and dy, summed over the batch (over batch chunks too when the memory needs them). */
export function runConvWeightGrad(ctx: ConvContext, x: Float32Array, dy: Float32Array, dw: Float32Array, p: ConvParams): void {
  const len = (p.outChannels * p.inChannels * p.kh * p.kw) / p.groups;
  let part: Float32Array | null = null;
  splitBatch(p, (q, first) => {
    const target = first === 0 ? dw : (part ??= new Float32Array(len));
    weightGradOnce(ctx, x.subarray(first * inLen(p)), dy.subarray(first * outLen(p)), target, q);
    if (target !== dw) for (let i = 0; i < len; i++) dw[i] += target[i];
  });
}
