import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { xorshiftUnits } from './reference.js';
import { createWasmKernels, UNARY_KERNEL_OPS, WasmKernelError, type UnaryKernelOp, type WasmKernels } from '../src/backends/cpu/wasm/index.js';

/** Seeded uniform values in [lo, hi). */
function uniform(n: number, seed: number, lo: number, hi: number): Float32Array {
  return Float32Array.from(xorshiftUnits(n, seed), (u) => lo + u * (hi - lo));
}

/** erfc(z) for z >= 0 in float64: Taylor series of erf below 3, continued fraction above. */
function erfc(z: number): number {
  if (z < 3) {
    let sum = 0;
    let term = z;
    for (let n = 0; n < 120; n++) {
      sum += term / (2 * n + 1);
      term *= (-z * z) / (n + 1);
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  let cf = 0;
  for (let n = 80; n >= 1; n--) cf = n / 2 / (z + cf);
  return Math.exp(-z * z) / Math.sqrt(Math.PI) / (z + cf);
}

/** float64 references, written in forms without cancellation so tails stay accurate. */
const REFERENCE: Record<UnaryKernelOp, (x: number) => number> = {
  exp: Math.exp,
  tanh: Math.tanh,
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  silu: (x) => x / (1 + Math.exp(-x)),
  gelu: (x) => (x >= 0 ? 0.5 * x * (2 - erfc(x / Math.SQRT2)) : 0.5 * x * erfc(-x / Math.SQRT2)),
  geluTanh: (x) => x / (1 + Math.exp(-2 * Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))),
  geluTanhGrad: (x) => {
    const c = Math.sqrt(2 / Math.PI);
    const t = Math.tanh(c * (x + 0.044715 * x ** 3));
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x);
  },
  siluGrad: (x) => {
    const s = 1 / (1 + Math.exp(-x));
    return s + x * s * (1 - s);
  },
};

/** Derivative kernels cross zero, so they are checked with an absolute bound instead. */
const DERIVATIVE_OPS = new Set<UnaryKernelOp>(['geluTanhGrad', 'siluGrad']);

/**
 * |exp argument| of each op: f32 rounding of that argument (relative 6e-8) becomes a relative
 * error of |argument| * 6e-8 in the result, on top of the ~2-ulp exp polynomial.
 */
const EXP_ARGUMENT: Record<UnaryKernelOp, (x: number) => number> = {
  exp: (x) => Math.abs(x),
  tanh: () => 0,
  sigmoid: (x) => Math.abs(x),
  silu: (x) => Math.abs(x),
  gelu: (x) => (x * x) / 2,
  geluTanh: (x) => Math.abs(2 * Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)),
  geluTanhGrad: () => 0,
  siluGrad: () => 0,
};

for (const threads of [1, 2]) {
  describe(`wasm row and elementwise kernels (${threads} thread${threads > 1 ? 's' : ''})`, () => {
    let kern: WasmKernels;
    beforeAll(async () => {
      kern = await createWasmKernels({ threads });
    });
    afterAll(() => kern.dispose());

    for (const op of UNARY_KERNEL_OPS.filter((o) => DERIVATIVE_OPS.has(o))) {
      it(`${op} matches the float64 derivative within 1e-6 absolute (its values lie in [-0.2, 1.2])`, () => {
        const x = uniform(200_003, 11, -20, 20);
        x[0] = 1e-4;
        const out = new Float32Array(x.length).fill(Number.NaN);
        kern.unary(op, x, out);
        let worst = 0;
        for (let i = 0; i < x.length; i++) {
          const err = Math.abs(out[i] - REFERENCE[op](x[i]));
          if (!(err <= worst)) worst = Number.isNaN(err) ? Infinity : err;
        }
        expect(worst).toBeLessThanOrEqual(1e-6);
      });
    }

    for (const op of UNARY_KERNEL_OPS.filter((o) => !DERIVATIVE_OPS.has(o))) {
      it(`${op} matches float64 within 5e-7 + |exp argument| * 2.4e-7, relative`, () => {
        // 200k values over [-20, 20]: a length that is not a multiple of 4 or of the chunk size,
        // above the single-thread threshold so the threads share chunks.
        const x = uniform(200_003, 7, -20, 20);
        x[0] = 1e-4;
        x[1] = -1e-4;
        const out = new Float32Array(x.length).fill(Number.NaN);
        kern.unary(op, x, out);
        let worst = 0;
        for (let i = 0; i < x.length; i++) {
          const ref = Math.fround(REFERENCE[op](x[i]));
          // exp flushes results under the smallest normal f32 (1.2e-38) to zero, and the ops
          // multiply that by factors up to ~1e3, so results under 1e-35 are not checked.
          if (Math.abs(ref) < 1e-35) continue;
          const err = ref === out[i] ? 0 : Math.abs(out[i] - ref) / Math.abs(ref) / (5e-7 + EXP_ARGUMENT[op](x[i]) * 2.4e-7);
          if (!(err <= worst)) worst = Number.isNaN(err) ? Infinity : err;
        }
        expect(worst).toBeLessThanOrEqual(1);
      });
    }

    it('exp overflows to +Infinity, underflows to 0 and keeps NaN', () => {
      const out = new Float32Array(4);
      kern.unary('exp', Float32Array.from([100, -100, Number.NaN, -Infinity]), out);
      expect(out[0]).toBe(Infinity);
      expect(out[1]).toBe(0);
      expect(out[2]).toBeNaN();
      expect(out[3]).toBe(0);
    });

    it('softmax over the last axis matches float64 within 1e-6 relative', () => {
      for (const [rows, cols] of [[1, 1], [3, 5], [333, 257], [64, 1024], [150, 1000]]) {
        const x = uniform(rows * cols, rows + cols, -8, 8);
        const out = new Float32Array(rows * cols);
        kern.softmax(x, out, { rows, cols });
        let worst = 0;
        for (let r = 0; r < rows; r++) {
          let m = -Infinity;
          for (let c = 0; c < cols; c++) m = Math.max(m, x[r * cols + c]);
          let s = 0;
          for (let c = 0; c < cols; c++) s += Math.exp(x[r * cols + c] - m);
          for (let c = 0; c < cols; c++) {
            const ref = Math.exp(x[r * cols + c] - m) / s;
            worst = Math.max(worst, Math.abs(out[r * cols + c] - ref) / ref);
          }
        }
        // exp (~2 ulp, argument |x - max| up to 16 -> 16 * 6e-8 = 1e-6) and a sum of positive terms.
        expect(worst, `${rows}x${cols}`).toBeLessThanOrEqual(2e-6);
      }
    });

    it('layerNorm matches float64 and returns mean and rstd', () => {
      for (const [rows, cols] of [[1, 3], [7, 33], [300, 256], [16, 1027], [160, 1000]]) {
        const x = uniform(rows * cols, cols, -2, 4);
        const w = uniform(cols, 3, 0.5, 1.5);
        const b = uniform(cols, 4, -1, 1);
        const out = new Float32Array(rows * cols);
        const mean = new Float32Array(rows);
        const rstd = new Float32Array(rows);
        kern.layerNorm(x, out, { rows, cols, eps: 1e-5, weight: w, bias: b, mean, rstd });
        let worst = 0;
        for (let r = 0; r < rows; r++) {
          let m = 0;
          for (let c = 0; c < cols; c++) m += x[r * cols + c];
          m /= cols;
          let v = 0;
          for (let c = 0; c < cols; c++) v += (x[r * cols + c] - m) ** 2;
          const rs = 1 / Math.sqrt(v / cols + 1e-5);
          worst = Math.max(worst, Math.abs(mean[r] - m) / Math.abs(m), Math.abs(rstd[r] - rs) / rs);
          for (let c = 0; c < cols; c++) {
            const i = r * cols + c;
            const ref = (x[i] - m) * rs * w[c] + b[c];
            // x - mean cancels: its f32 error is relative to |x| + |mean|, not to the difference.
            const scale = (Math.abs(x[i]) + Math.abs(m)) * rs * w[c] + Math.abs(b[c]);
            worst = Math.max(worst, Math.abs(out[i] - ref) / scale);
          }
        }
        expect(worst, `${rows}x${cols}`).toBeLessThanOrEqual(1e-6);
      }
    });

    it('layerNorm without weight and bias is plain standardisation', () => {
      const rows = 5;
      const cols = 130;
      const x = uniform(rows * cols, 9, -3, 3);
      const out = new Float32Array(rows * cols);
      kern.layerNorm(x, out, { rows, cols, eps: 0 });
      for (let r = 0; r < rows; r++) {
        let s = 0;
        let s2 = 0;
        for (let c = 0; c < cols; c++) {
          s += out[r * cols + c];
          s2 += out[r * cols + c] ** 2;
        }
        expect(Math.abs(s / cols)).toBeLessThan(1e-6);
        expect(Math.abs(s2 / cols - 1)).toBeLessThan(1e-5);
      }
    });

    it('rmsNorm matches float64 and returns rstd', () => {
      for (const [rows, cols] of [[1, 1], [9, 63], [288, 256], [200, 700]]) {
        const x = uniform(rows * cols, cols + 1, -3, 3);
        const w = uniform(cols, 5, 0.5, 1.5);
        const out = new Float32Array(rows * cols);
        const rstd = new Float32Array(rows);
        kern.rmsNorm(x, out, { rows, cols, eps: 1e-6, weight: w, rstd });
        let worst = 0;
        for (let r = 0; r < rows; r++) {
          let ms = 0;
          for (let c = 0; c < cols; c++) ms += x[r * cols + c] ** 2;
          const rs = 1 / Math.sqrt(ms / cols + 1e-6);
          worst = Math.max(worst, Math.abs(rstd[r] - rs) / rs);
          for (let c = 0; c < cols; c++) {
            const ref = x[r * cols + c] * rs * w[c];
            worst = Math.max(worst, Math.abs(out[r * cols + c] - ref) / Math.abs(ref));
          }
        }
        expect(worst, `${rows}x${cols}`).toBeLessThanOrEqual(1e-6);
      }
    });
  });
}

describe('wasm row kernel arguments', () => {
  it('rejects short arrays and a bias for rmsNorm, naming them', async () => {
    const kern = await createWasmKernels({ threads: 1 });
    try {
      expect(() => kern.softmax(new Float32Array(5), new Float32Array(6), { rows: 2, cols: 3 })).toThrow(/x has 5 elements, needs 6/);
      expect(() => kern.layerNorm(new Float32Array(6), new Float32Array(6), { rows: 2, cols: 3, eps: 1e-5, weight: new Float32Array(2) })).toThrow(/weight has 2 elements, needs 3/);
      expect(() => kern.rmsNorm(new Float32Array(6), new Float32Array(6), { rows: 2, cols: 3, eps: 1e-5, bias: new Float32Array(3) })).toThrow(WasmKernelError);
    } finally {
      kern.dispose();
    }
  });
});
