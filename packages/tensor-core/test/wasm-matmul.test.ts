import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWasmKernels, WasmKernelError, type WasmKernels } from '../src/backends/cpu/wasm/index.js';
import { randomF32 } from './reference.js';


interface Case {
  batch: number;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  aBatchStride: number;
  bBatchStride: number;
}

/**
 * Worst element error relative to sum_k |a_ik b_kj| (the scale f32 rounding is proportional to),
 * against a float64 reference computed from the same f32 inputs.
 */
function relError(a: Float32Array, b: Float32Array, out: Float32Array, c: Case): number {
  let worst = 0;
  for (let bi = 0; bi < c.batch; bi++) {
    for (let i = 0; i < c.m; i++) {
      for (let j = 0; j < c.n; j++) {
        let ref = 0;
        let mag = 0;
        for (let kk = 0; kk < c.k; kk++) {
          const av = a[bi * c.aBatchStride + (c.transA ? kk * c.m + i : i * c.k + kk)];
          const bv = b[bi * c.bBatchStride + (c.transB ? j * c.k + kk : kk * c.n + j)];
          ref += av * bv;
          mag += Math.abs(av * bv);
        }
        const e = Math.abs(out[bi * c.m * c.n + i * c.n + j] - ref) / mag;
        if (!(e <= worst)) worst = Number.isNaN(e) ? Infinity : e;
      }
    }
  }
  return worst;
}

function runCase(kern: WasmKernels, c: Case, seed: number): number {
  const aLen = (c.aBatchStride === 0 ? 0 : (c.batch - 1) * c.aBatchStride) + c.m * c.k;
  const bLen = (c.bBatchStride === 0 ? 0 : (c.batch - 1) * c.bBatchStride) + c.k * c.n;
  const a = randomF32(aLen, seed);
  const b = randomF32(bLen, seed + 7919);
  const out = new Float32Array(c.batch * c.m * c.n).fill(Number.NaN);
  kern.matmul(a, b, out, c);
  return relError(a, b, out, c);
}

/**
 * f32 accumulation over K terms is off by at most ~K * 6e-8 of sum|a*b| (worst case); random
 * signs make the real error ~sqrt(K) * 6e-8, so the 1e-5 target is checked too.
 */
function tolerance(k: number): number {
  return Math.min(k * 6e-8 + 1e-7, 1e-5);
}

const SIZES: [number, number, number][] = [
  [1, 1, 1],
  [3, 17, 5],
  [17, 3, 65],
  [65, 129, 17],
  [129, 65, 300], // K above the 256 K-block: partial sums accumulate in C
  [260, 300, 129], // several mc x nc tiles with ragged edges
  [300, 257, 100], // above the single-thread threshold (4M multiply-adds): tiles shared by the threads
];

const VARIANTS = [
  { name: '1 thread, relaxed SIMD', threads: 1, relaxedSimd: true },
  { name: '2 threads, relaxed SIMD', threads: 2, relaxedSimd: true },
  { name: '2 threads, plain SIMD', threads: 2, relaxedSimd: false },
];

for (const v of VARIANTS) {
  describe(`wasm matmul (${v.name})`, () => {
    let kern: WasmKernels;
    beforeAll(async () => {
      kern = await createWasmKernels({ threads: v.threads, relaxedSimd: v.relaxedSimd });
    });
    afterAll(() => kern.dispose());

    it('uses the requested thread count and SIMD flavour', () => {
      expect(kern.threads).toBe(v.threads);
      // Node 20 compiles relaxed SIMD once V8's flag is set, which createWasmKernels does.
      expect(kern.relaxedSimd).toBe(v.relaxedSimd);
    });

    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        it(`matches a float64 reference at odd sizes with transA=${transA} transB=${transB}`, () => {
          SIZES.forEach(([m, n, k], i) => {
            const c = { batch: 1, m, n, k, transA, transB, aBatchStride: 0, bBatchStride: 0 };
            expect(runCase(kern, c, 100 + i), `m=${m} n=${n} k=${k}`).toBeLessThanOrEqual(tolerance(k));
          });
        });
      }
    }

    it('handles batches with per-batch strides and stride-0 broadcast of either operand', () => {
      // 3 * 100 * 90 * 160 multiply-adds: above the single-thread threshold, so the threads share batches.
      const m = 100;
      const n = 90;
      const k = 160;
      const cases: Case[] = [
        { batch: 3, m, n, k, transA: false, transB: false, aBatchStride: m * k, bBatchStride: k * n },
        { batch: 3, m, n, k, transA: true, transB: false, aBatchStride: 0, bBatchStride: k * n },
        { batch: 4, m, n, k, transA: false, transB: true, aBatchStride: m * k, bBatchStride: 0 },
        // Gaps between batches: the stride, not m*k, must locate each batch.
        { batch: 2, m, n, k, transA: true, transB: true, aBatchStride: m * k + 5, bBatchStride: k * n + 11 },
      ];
      cases.forEach((c, i) => expect(runCase(kern, c, 300 + i), JSON.stringify(c)).toBeLessThanOrEqual(tolerance(k)));
    });

    it('writes zeros when k = 0 and leaves out alone when m = 0', () => {
      const out = new Float32Array(6).fill(5);
      kern.matmul(new Float32Array(0), new Float32Array(0), out, { batch: 2, m: 1, n: 3, k: 0, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 });
      expect([...out]).toEqual([0, 0, 0, 0, 0, 0]);
      const untouched = new Float32Array(2).fill(5);
      kern.matmul(new Float32Array(4), new Float32Array(4), untouched, { batch: 1, m: 0, n: 2, k: 2, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 });
      expect([...untouched]).toEqual([5, 5]);
    });
  });
}

describe('wasm kernel thread count', () => {
  it('defaults to LORAFLOW_THREADS when set and rejects a non-integer value', async () => {
    const saved = process.env.LORAFLOW_THREADS;
    try {
      process.env.LORAFLOW_THREADS = '3';
      const kern = await createWasmKernels();
      expect(kern.threads).toBe(3);
      // Three threads still give the right answer (more threads than cores is allowed).
      const c = { batch: 1, m: 70, n: 90, k: 40, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 };
      expect(runCase(kern, c, 5)).toBeLessThanOrEqual(tolerance(40));
      kern.dispose();
      process.env.LORAFLOW_THREADS = 'two';
      await expect(createWasmKernels()).rejects.toThrow(/LORAFLOW_THREADS=two: expected a positive integer/);
    } finally {
      if (saved === undefined) delete process.env.LORAFLOW_THREADS;
      else process.env.LORAFLOW_THREADS = saved;
    }
  });
});

describe('wasm matmul errors and lifetime', () => {
  it('names the operand and the size expected when an input is too short', async () => {
    const kern = await createWasmKernels({ threads: 1 });
    try {
      const p = { batch: 2, m: 4, n: 5, k: 6, transA: false, transB: false, aBatchStride: 24, bBatchStride: 0 };
      expect(() => kern.matmul(new Float32Array(30), new Float32Array(30), new Float32Array(40), p)).toThrow(WasmKernelError);
      expect(() => kern.matmul(new Float32Array(30), new Float32Array(30), new Float32Array(40), p)).toThrow(/A has 30 elements, needs 48/);
    } finally {
      kern.dispose();
    }
    expect(() => kern.matmul(new Float32Array(1), new Float32Array(1), new Float32Array(1), { batch: 1, m: 1, n: 1, k: 1, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 })).toThrow(/after dispose/);
  });

  it('does not keep the process alive when kernels are never disposed', () => {
    const script = `
      const { createWasmKernels } = await import(${JSON.stringify(fileURLToPath(new URL('../src/backends/cpu/wasm/index.ts', import.meta.url)))});
      const k = await createWasmKernels({ threads: 2 });
      const a = new Float32Array(256 * 256).fill(1);
      const out = new Float32Array(256 * 256);
      k.matmul(a, a, out, { batch: 1, m: 256, n: 256, k: 256, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 });
      console.log('sum', out[0] + out[65535]);
    `;
    const res = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(res.error, String(res.error)).toBeUndefined();
    expect(res.stderr).toBe('');
    expect(res.stdout.trim()).toBe('sum 512');
    expect(res.status).toBe(0);
  });
});
