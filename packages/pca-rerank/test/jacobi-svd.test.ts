import { describe, expect, it } from 'vitest';
import { jacobiSvd } from '../src/index.js';
import { seededNormal } from './seeded-normal.js';
import { denseSingularValues } from './dense-reference.js';

describe('jacobiSvd', () => {
  for (const [rows, cols] of [
    [12, 8],
    [8, 8],
    [6, 11],
  ] as const) {
    it(`factors a random ${rows}x${cols} matrix as U S V^T with orthonormal U, V and the reference spectrum`, () => {
      const next = seededNormal(rows * 31 + cols);
      const a = Float64Array.from({ length: rows * cols }, () => next()); // column-major
      const { u, s, v } = jacobiSvd(a, rows, cols);
      const n = Math.min(rows, cols);
      for (let c = 0; c < cols; c++)
        for (let i = 0; i < rows; i++) {
          let x = 0;
          for (let j = 0; j < n; j++) x += u[j * rows + i] * s[j] * v[j * cols + c];
          expect(Math.abs(x - a[c * rows + i])).toBeLessThan(1e-12);
        }
      for (const [m, h] of [
        [u, rows],
        [v, cols],
      ] as const)
        for (let x = 0; x < n; x++)
          for (let y = 0; y < n; y++) {
            let dot = 0;
            for (let i = 0; i < h; i++) dot += m[x * h + i] * m[y * h + i];
            expect(Math.abs(dot - (x === y ? 1 : 0))).toBeLessThan(1e-12);
          }
      const rowMajor = new Float64Array(rows * cols);
      for (let c = 0; c < cols; c++) for (let i = 0; i < rows; i++) rowMajor[i * cols + c] = a[c * rows + i];
      const ref = denseSingularValues(rowMajor, rows, cols);
      for (let j = 0; j < n; j++) expect(Math.abs(s[j] - ref[j]) / ref[0]).toBeLessThan(1e-12);
      for (let j = 1; j < n; j++) expect(s[j]).toBeLessThanOrEqual(s[j - 1]);
    });
  }
});
