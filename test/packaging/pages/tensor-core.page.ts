/** tensor-core in a page: the CPU device with its WebAssembly kernels runs a matmul and a gradient. */
import * as tc from '@loraflow/tensor-core';
import { expectClose, maxAbsDiff, report } from './page-report.js';

report(tc, async () => {
  const device = await tc.getDevice('cpu');
  const [m, k, n] = [5, 7, 3];
  const a = Array.from({ length: m * k }, (_, i) => Math.sin(i + 1));
  const b = Array.from({ length: k * n }, (_, i) => Math.cos(2 * i + 1));
  const want = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) want[i * n + j] += a[i * k + p] * b[p * n + j];
  const x = tc.tensor(Float32Array.from(a), [m, k], { requiresGrad: true });
  const y = x.matmul(tc.tensor(Float32Array.from(b), [k, n]));
  const got = await y.data();
  // d(sum(x @ B))/dx[i, p] = sum_j B[p, j]
  y.sum().backward();
  const grad = await x.grad!.data();
  const wantGrad = a.map((_, idx) => { let s = 0; for (let j = 0; j < n; j++) s += b[(idx % k) * n + j]; return s; });
  return `${device.info().summary}; ${expectClose('matmul', maxAbsDiff(got, want), 1e-5)}; ${expectClose('grad', maxAbsDiff(grad, wantGrad), 1e-5)}`;
});
