import { describe, expect, it } from 'vitest';
import { factoredSvd } from '../src/index.js';
import { normalArray } from './seeded-normal.js';
import { denseProduct, denseSingularValues } from './dense-reference.js';

describe('factoredSvd', () => {
  for (const [rows, cols, rank] of [
    [30, 20, 6],
    [15, 40, 9],
    [5, 30, 8], // rank above rows: only 5 singular values can be non-zero
    [30, 4, 8], // rank above cols
  ] as const) {
    it(`matches the dense spectrum and reconstructs B@A for ${rows}x${cols} at rank ${rank}`, () => {
      const up = normalArray(rows * rank, rows + cols, 0.5);
      const down = normalArray(rank * cols, rank + 7, 0.1);
      const w = denseProduct(up, down, rows, cols, rank);
      const ref = denseSingularValues(w, rows, cols);
      const svd = factoredSvd(up, down, rows, cols, rank);
      const n = Math.min(rows, cols, rank);
      expect(svd.s.length).toBe(n);
      // float64 throughout; reference via W^T W eigenvalues, accurate to ~1e-14 of s[0] here.
      for (let j = 0; j < n; j++) expect(Math.abs(svd.s[j] - ref[j]) / ref[0]).toBeLessThan(1e-10);
      const u = svd.leftVectors(n);
      const v = svd.rightVectors(n);
      let err = 0;
      for (let i = 0; i < rows; i++)
        for (let c = 0; c < cols; c++) {
          let x = 0;
          for (let j = 0; j < n; j++) x += u[j * rows + i] * svd.s[j] * v[j * cols + c];
          err = Math.max(err, Math.abs(x - w[i * cols + c]));
        }
      expect(err / ref[0]).toBeLessThan(1e-12);
    });
  }
});
