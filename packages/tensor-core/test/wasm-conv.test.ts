import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWasmKernels, type ConvParams, type WasmKernels } from '../src/backends/cpu/wasm/index.js';
import { randomF32 } from './reference.js';

type Geometry = Omit<ConvParams, 'oh' | 'ow'>;

function withOutput(g: Geometry): ConvParams {
  const oh = Math.floor((g.height + 2 * g.ph - g.dh * (g.kh - 1) - 1) / g.sh) + 1;
  const ow = Math.floor((g.width + 2 * g.pw - g.dw * (g.kw - 1) - 1) / g.sw) + 1;
  return { ...g, oh, ow };
}

/**
 * Visits every (output, input, weight) index triple of the convolution in float64: the forward,
 * the input gradient and the weight gradient are all sums over these triples. `mag` collects
 * sum |term| per result element, the scale f32 rounding error is proportional to.
 */
function forEachTerm(p: ConvParams, fn: (yi: number, xi: number, wi: number) => void): void {
  const og = p.outChannels / p.groups;
  const cg = p.inChannels / p.groups;
  for (let n = 0; n < p.batch; n++)
    for (let o = 0; o < p.outChannels; o++) {
      const g = Math.floor(o / og);
      for (let y = 0; y < p.oh; y++)
        for (let x = 0; x < p.ow; x++)
          for (let ic = 0; ic < cg; ic++)
            for (let i = 0; i < p.kh; i++)
              for (let j = 0; j < p.kw; j++) {
                const iy = y * p.sh - p.ph + i * p.dh;
                const ix = x * p.sw - p.pw + j * p.dw;
                if (iy < 0 || iy >= p.height || ix < 0 || ix >= p.width) continue;
                fn(((n * p.outChannels + o) * p.oh + y) * p.ow + x, ((n * p.inChannels + g * cg + ic) * p.height + iy) * p.width + ix, ((o * cg + ic) * p.kh + i) * p.kw + j);
              }
    }
}

/** Worst |got - ref| / (sum|terms| + 1e-3) over the elements. */
function worstError(got: Float32Array, ref: Float64Array, mag: Float64Array): number {
  let worst = 0;
  for (let i = 0; i < ref.length; i++) {
    const e = Math.abs(got[i] - ref[i]) / (mag[i] + 1e-3);
    if (!(e <= worst)) worst = Number.isNaN(e) ? Infinity : e;
  }
  return worst;
}

const CASES: [string, Geometry][] = [
  ['3x3 pad 1, odd sizes, batch 2', { batch: 2, inChannels: 3, height: 7, width: 9, outChannels: 5, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1, groups: 1 }],
  ['stride 2, asymmetric kernel and padding', { batch: 1, inChannels: 4, height: 11, width: 13, outChannels: 7, kh: 3, kw: 2, sh: 2, sw: 2, ph: 1, pw: 2, dh: 1, dw: 1, groups: 1 }],
  ['dilation 2, padding 2, mixed strides', { batch: 3, inChannels: 2, height: 10, width: 15, outChannels: 3, kh: 3, kw: 3, sh: 1, sw: 2, ph: 2, pw: 2, dh: 2, dw: 2, groups: 1 }],
  ['groups 3', { batch: 2, inChannels: 6, height: 9, width: 8, outChannels: 9, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1, groups: 3 }],
  ['depthwise, stride 2', { batch: 2, inChannels: 4, height: 9, width: 9, outChannels: 4, kh: 3, kw: 3, sh: 2, sw: 2, ph: 1, pw: 1, dh: 1, dw: 1, groups: 4 }],
  ['pointwise (patches are the image)', { batch: 2, inChannels: 5, height: 6, width: 7, outChannels: 3, kh: 1, kw: 1, sh: 1, sw: 1, ph: 0, pw: 0, dh: 1, dw: 1, groups: 1 }],
  ['padding wider than the image', { batch: 1, inChannels: 2, height: 3, width: 2, outChannels: 2, kh: 3, kw: 3, sh: 1, sw: 1, ph: 3, pw: 4, dh: 1, dw: 1, groups: 1 }],
  // 3x3, stride 1, one group, output channels in fours: the Winograd F(2x2, 3x3) path (inputs gradients too when the input channels are in fours).
  ['Winograd: odd sizes, batch 3, 3 input channels', { batch: 3, inChannels: 3, height: 5, width: 11, outChannels: 8, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1, groups: 1 }],
  ['Winograd: padding 0 by 2', { batch: 1, inChannels: 4, height: 9, width: 6, outChannels: 4, kh: 3, kw: 3, sh: 1, sw: 1, ph: 0, pw: 2, dh: 1, dw: 1, groups: 1 }],
  ['Winograd: 1x1 image', { batch: 2, inChannels: 4, height: 1, width: 1, outChannels: 4, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1, groups: 1 }],
  ['Winograd: a row of several tile groups, 16 wide (no cropping)', { batch: 2, inChannels: 8, height: 6, width: 16, outChannels: 12, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1, groups: 1 }],
  // ~14M multiply-adds: above the single-thread threshold, so the threads share planes and tiles.
  ['threaded, 3x3 pad 1', { batch: 2, inChannels: 24, height: 21, width: 37, outChannels: 40, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1, groups: 1 }],
];

for (const threads of [1, 2]) {
  describe(`wasm conv2d kernels (${threads} thread${threads > 1 ? 's' : ''})`, () => {
    let kern: WasmKernels;
    beforeAll(async () => {
      kern = await createWasmKernels({ threads });
    });
    afterAll(() => kern.dispose());

    CASES.forEach(([name, g], ci) => {
      it(`forward, input gradient and weight gradient match float64: ${name}`, () => checkAll(kern, g, ci));
    });

    it('rejects an output size that does not follow from the geometry', () => {
      const p = { ...withOutput(CASES[0][1]), oh: 3 };
      expect(() => kern.conv2d(new Float32Array(1000), new Float32Array(1000), null, new Float32Array(1000), p)).toThrow(/output 3x9 given, the geometry gives 7x9/);
    });
  });
}

describe('wasm conv2d kernels in a 4 MiB wasm memory', () => {
  let kern: WasmKernels;
  beforeAll(async () => {
    kern = await createWasmKernels({ threads: 2, maxMemoryPages: 64 });
  });
  afterAll(() => kern.dispose());

  // Each needs several MiB for the whole batch but fits one image at a time: the calls split the batch.
  it('splits the batch when the Winograd buffers do not fit (~2 MiB per image)', () => {
    checkAll(kern, { batch: 4, inChannels: 8, height: 64, width: 64, outChannels: 8, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1, groups: 1 }, 50);
  });
  it('splits the batch when the implicit GEMM and im2col buffers do not fit (~1-2 MiB per image)', () => {
    checkAll(kern, { batch: 5, inChannels: 8, height: 32, width: 32, outChannels: 8, kh: 5, kw: 5, sh: 1, sw: 1, ph: 2, pw: 2, dh: 1, dw: 1, groups: 1 }, 51);
  });
  it('names the allocation when a single image does not fit', () => {
    const p = withOutput({ batch: 1, inChannels: 8, height: 256, width: 256, outChannels: 8, kh: 5, kw: 5, sh: 1, sw: 1, ph: 2, pw: 2, dh: 1, dw: 1, groups: 1 });
    const x = new Float32Array(8 * 256 * 256);
    expect(() => kern.conv2dWeightGrad(x, x, new Float32Array(8 * 8 * 25), p)).toThrow(/conv2d .* needs \d+ bytes of wasm memory/);
  });
});

/** Runs forward, input gradient and weight gradient of geometry g on random inputs and checks them against float64. */
function checkAll(kern: WasmKernels, g: Geometry, ci: number): void {
  const p = withOutput(g);
  const xLen = p.batch * p.inChannels * p.height * p.width;
  const wLen = (p.outChannels * p.inChannels * p.kh * p.kw) / p.groups;
  const yLen = p.batch * p.outChannels * p.oh * p.ow;
  const x = randomF32(xLen, 10 + ci);
  const w = randomF32(wLen, 20 + ci);
  const bias = randomF32(p.outChannels, 30 + ci);
  const dy = randomF32(yLen, 40 + ci);
  const y = new Float64Array(yLen);
  const yMag = new Float64Array(yLen);
  const dx = new Float64Array(xLen);
  const dxMag = new Float64Array(xLen);
  const dw = new Float64Array(wLen);
  const dwMag = new Float64Array(wLen);
  forEachTerm(p, (yi, xi, wi) => {
    y[yi] += x[xi] * w[wi];
    yMag[yi] += Math.abs(x[xi] * w[wi]);
    dx[xi] += dy[yi] * w[wi];
    dxMag[xi] += Math.abs(dy[yi] * w[wi]);
    dw[wi] += dy[yi] * x[xi];
    dwMag[wi] += Math.abs(dy[yi] * x[xi]);
  });
  const plane = p.oh * p.ow;
  for (let i = 0; i < yLen; i++) {
    const b = bias[Math.floor(i / plane) % p.outChannels];
    y[i] += b;
    yMag[i] += Math.abs(b);
  }
  // Stale values must not leak: the outputs start as NaN.
  const yGot = new Float32Array(yLen).fill(Number.NaN);
  const dxGot = new Float32Array(xLen).fill(Number.NaN);
  const dwGot = new Float32Array(wLen).fill(Number.NaN);
  kern.conv2d(x, w, bias, yGot, p);
  kern.conv2dInputGrad(dy, w, dxGot, p);
  kern.conv2dWeightGrad(x, dy, dwGot, p);
  expect(worstError(yGot, y, yMag), 'forward').toBeLessThan(1e-6);
  expect(worstError(dxGot, dx, dxMag), 'input gradient').toBeLessThan(1e-6);
  expect(worstError(dwGot, dw, dwMag), 'weight gradient').toBeLessThan(1e-6);
  const noBias = new Float32Array(yLen);
  kern.conv2d(x, w, null, noBias, p);
  expect(Math.abs(noBias[0] + bias[0] - yGot[0])).toBeLessThan(1e-5 * (yMag[0] + 1));
}
