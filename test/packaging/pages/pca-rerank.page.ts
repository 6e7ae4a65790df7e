/** pca-rerank in a page: the Jacobi SVD reconstructs a small column-major matrix of full rank. */
import * as pr from '@loraflow/pca-rerank';
import { expectClose, report } from './page-report.js';

report(pr, async () => {
  const [rows, cols] = [5, 3];
  const a = Float64Array.from({ length: rows * cols }, (_, i) => Math.sin(i * i + 1));
  const { u, s, v } = pr.jacobiSvd(a, rows, cols);
  const n = s.length;
  let err = 0;
  for (let c = 0; c < cols; c++) {
    for (let r = 0; r < rows; r++) {
      let x = 0;
      for (let k = 0; k < n; k++) x += u[k * rows + r] * s[k] * v[k * cols + c];
      err = Math.max(err, Math.abs(x - a[c * rows + r]));
    }
  }
  return `singular values ${Array.from(s, (x) => x.toFixed(3)).join(', ')}; ${expectClose('u diag(s) v^T', err, 1e-12)}`;
});
