import { describe, expect, it } from 'vitest';
import * as tc from '@loraflow/tensor-core';
import { DEVICES } from './backends.js';
import { checkOp } from './op-check.js';
import { conv2d64, matmul64 } from './ref-math.js';

function transpose64(x: Float64Array, batch: number, r: number, c: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let b = 0; b < batch; b++) for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[b * r * c + j * r + i] = x[b * r * c + i * c + j];
  return out;
}

function bilinearAxis(inSize: number, outSize: number, align: boolean): [number, number, number][] {
  return Array.from({ length: outSize }, (_, o) => {
    let src = align ? (outSize > 1 ? (o * (inSize - 1)) / (outSize - 1) : 0) : (o + 0.5) * (inSize / outSize) - 0.5;
    src = Math.max(src, 0);
    const i0 = Math.min(Math.floor(src), inSize - 1);
    return [i0, Math.min(i0 + 1, inSize - 1), src - i0];
  });
}

for (const device of DEVICES) {
  describe(`matmul on ${device.kind}`, () => {
    // f32 accumulation over K terms: ~K * 6e-8 relative in the worst case.
    for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]]) {
      it(`batched matmul transA=${transA} transB=${transB} with odd sizes`, async () => {
        const [bt, m, k, n] = [2, 5, 7, 3];
        await checkOp(
          {
            name: 'matmul', shapes: [transA ? [bt, k, m] : [bt, m, k], transB ? [n, k] : [k, n]],
            run: ([a, b]) => tc.matmul(a, b, { transA, transB }),
            ref: ([a, b]) => matmul64(transA ? transpose64(a, bt, k, m) : a, transB ? transpose64(b, 1, n, k) : b, bt, m, k, n, 1),
            tol: 1e-5, floor: 1,
          },
          device,
        );
      });
    }
    it('large enough to take the fast kernel path (WebAssembly SIMD on cpu), with gradients', async () => {
      const [bt, m, k, n] = [2, 33, 65, 47];
      await checkOp(
        {
          name: 'matmul large', shapes: [[bt, m, k], [bt, n, k]],
          run: ([a, b]) => tc.matmul(a, b, { transB: true }),
          ref: ([a, b]) => {
            const out = new Float64Array(bt * m * n);
            for (let i = 0; i < bt; i++) out.set(matmul64(a.slice(i * m * k, (i + 1) * m * k), transpose64(b.slice(i * n * k, (i + 1) * n * k), 1, n, k), 1, m, k, n), i * m * n);
            return out;
          },
          tol: 1e-5, floor: 1, gradTol: 1e-4,
        },
        device,
      );
    });
    it('vector operands follow torch.matmul', async () => {
      await checkOp({ name: 'mv', shapes: [[3, 4], [4]], run: ([a, b]) => tc.matmul(a, b), ref: ([a, b]) => matmul64(a, b, 1, 3, 4, 1) }, device);
      expect(tc.matmul(tc.ones([4], { device }), tc.ones([4], { device })).shape).toEqual([]);
    });
    it('linear is x W^T + b over leading dims', async () => {
      await checkOp(
        {
          name: 'linear', shapes: [[2, 3, 4], [5, 4], [5]],
          run: ([x, w, b]) => tc.linear(x, w, b),
          ref: ([x, w, b]) => matmul64(x, transpose64(w, 1, 5, 4), 1, 6, 4, 5).map((v, i) => v + b[i % 5]),
        },
        device,
      );
    });
    it('mismatched inner dims name both shapes', () => {
      expect(() => tc.matmul(tc.zeros([2, 3], { device }), tc.zeros([4, 5], { device }))).toThrow(/\[2,3\] @ \[4,5\]/);
    });
  });

  describe(`conv2d and upsample on ${device.kind}`, () => {
    for (const [stride, pad, dil, groups] of [[1, 0, 1, 1], [2, 1, 1, 1], [1, 2, 2, 1], [1, 1, 1, 2]]) {
      it(`conv2d stride=${stride} padding=${pad} dilation=${dil} groups=${groups}`, async () => {
        const xs = [2, 4, 6, 5];
        const ws = [6, 4 / groups, 3, 3];
        await checkOp(
          {
            name: 'conv2d', shapes: [xs, ws, [6]],
            run: ([x, w, b]) => tc.conv2d(x, w, b, { stride, padding: pad, dilation: dil, groups }),
            ref: ([x, w, b]) => conv2d64(x, xs, w, ws, b, stride, pad, dil, groups).v,
            // Errors are relative to the scale of the 36-term sums (~1), not to outputs that cancel to near 0.
            tol: 1e-5, floor: 1,
          },
          device,
        );
      });
    }
    // Odd sizes, batch 3, every option at once; on the CPU these run the WebAssembly conv kernels.
    for (const [stride, pad, dil, groups, xs, ws] of [
      [2, 1, 2, 2, [3, 4, 9, 7], [6, 2, 3, 2]],
      [2, 2, 1, 3, [2, 3, 7, 8], [3, 1, 3, 3]],
      [1, 0, 1, 1, [3, 5, 4, 3], [2, 5, 1, 1]],
      // 3x3 stride 1 with channels in fours: the CPU runs forward and both gradients by Winograd F(2x2, 3x3).
      [1, 1, 1, 1, [2, 4, 7, 5], [8, 4, 3, 3]],
    ] as [number, number, number, number, number[], number[]][]) {
      it(`conv2d x [${xs}] w [${ws}] stride=${stride} padding=${pad} dilation=${dil} groups=${groups} with gradients`, async () => {
        await checkOp(
          {
            name: 'conv2d', shapes: [xs, ws, [ws[0]]],
            run: ([x, w, b]) => tc.conv2d(x, w, b, { stride, padding: pad, dilation: dil, groups }),
            ref: ([x, w, b]) => conv2d64(x, xs, w, ws, b, stride, pad, dil, groups).v,
            tol: 1e-5, floor: 1,
          },
          device,
        );
      });
    }
    if (device.kind === 'cpu') {
      it('the CPU backend provides the direct conv2d kernels exactly while the WebAssembly kernels are installed', () => {
        // LORAFLOW_CPU_KERNELS=js (a CI variant) keeps the plain JS kernels and the index-map conv.
        const expected = process.env.LORAFLOW_CPU_KERNELS === 'js' ? 'undefined' : 'function';
        expect(typeof device.backend.conv2d).toBe(expected);
        expect(typeof device.backend.conv2dInputGrad).toBe(expected);
        expect(typeof device.backend.conv2dWeightGrad).toBe(expected);
      });
    }
    it('conv2d names a bias of the wrong size', () => {
      expect(() => tc.conv2d(tc.zeros([1, 2, 4, 4], { device }), tc.zeros([3, 2, 3, 3], { device }), tc.zeros([2], { device }))).toThrow(/bias has shape \[2\], expected \[3\]/);
    });
    it('upsample nearest repeats pixels', async () => {
      await checkOp(
        {
          name: 'nearest', shapes: [[1, 2, 2, 3]],
          run: ([x]) => tc.upsample(x, { scaleFactor: 2, mode: 'nearest' }),
          ref: ([x]) => Float64Array.from({ length: 2 * 4 * 6 }, (_, i) => {
            const c = Math.floor(i / 24);
            const y = Math.floor(i / 6) % 4;
            const xx = i % 6;
            return x[c * 6 + Math.floor(y / 2) * 3 + Math.floor(xx / 2)];
          }),
        },
        device,
      );
    });
    for (const align of [false, true]) {
      it(`upsample bilinear alignCorners=${align} matches the interpolation formula`, async () => {
        const [h, w, oh, ow] = [3, 4, 5, 7];
        const ay = bilinearAxis(h, oh, align);
        const ax = bilinearAxis(w, ow, align);
        await checkOp(
          {
            name: 'bilinear', shapes: [[1, 2, h, w]],
            run: ([x]) => tc.upsample(x, { size: [oh, ow], mode: 'bilinear', alignCorners: align }),
            ref: ([x]) => Float64Array.from({ length: 2 * oh * ow }, (_, i) => {
              const c = Math.floor(i / (oh * ow));
              const [y0, y1, fy] = ay[Math.floor(i / ow) % oh];
              const [x0, x1, fx] = ax[i % ow];
              const at = (y: number, xx: number) => x[c * h * w + y * w + xx];
              return (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x1)) + fy * ((1 - fx) * at(y1, x0) + fx * at(y1, x1));
            }),
          },
          device,
        );
      });
    }
  });
}
