import { describe, expect, it } from 'vitest';
import { applyQ, householderQr } from '../src/index.js';
import { seededNormal } from './seeded-normal.js';

/** Q as an explicit column-major rows x steps matrix, through applyQ on the identity. */
function explicitQ(qr: ReturnType<typeof householderQr>): Float64Array {
  const e = new Float64Array(qr.steps * qr.steps);
  for (let i = 0; i < qr.steps; i++) e[i * qr.steps + i] = 1;
  return applyQ(qr, e, qr.steps);
}

describe('householderQr', () => {
  for (const [rows, cols] of [
    [40, 7],
    [9, 9],
    [5, 12],
  ] as const) {
    it(`reproduces a random ${rows}x${cols} matrix as Q R with orthonormal Q`, () => {
      const next = seededNormal(rows * 100 + cols);
      const a = Float64Array.from({ length: rows * cols }, () => next());
      const qr = householderQr(Float64Array.from(a), rows, cols);
      const q = explicitQ(qr);
      const p = qr.steps;
      // Float64 Householder: backward error ~ rows * eps * ||A||; 1e-12 leaves room for these sizes.
      for (let c = 0; c < cols; c++)
        for (let i = 0; i < rows; i++) {
          let x = 0;
          for (let l = 0; l < p; l++) x += q[l * rows + i] * qr.r[c * p + l];
          expect(Math.abs(x - a[c * rows + i])).toBeLessThan(1e-12);
        }
      for (let x = 0; x < p; x++)
        for (let y = 0; y < p; y++) {
          let dot = 0;
          for (let i = 0; i < rows; i++) dot += q[x * rows + i] * q[y * rows + i];
          expect(Math.abs(dot - (x === y ? 1 : 0))).toBeLessThan(1e-13);
        }
      for (let c = 0; c < cols; c++) for (let i = c + 1; i < p; i++) expect(qr.r[c * p + i]).toBe(0);
    });
  }
});
