import type { MatmulParams } from '../../device/backend.js';

/** Copies op(X) for one batch into a row-major rows x cols array (transposing when asked). */
function packRowMajor(src: Float32Array, offset: number, rows: number, cols: number, transposed: boolean, dst: Float32Array): void {
  if (!transposed) {
    dst.set(src.subarray(offset, offset + rows * cols));
    return;
  }
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) dst[r * cols + c] = src[offset + c * rows + r];
}

/**
 * Batched f32 matmul in plain JS: the fallback when WebAssembly kernels are unavailable.
 * i-k-j loop order over packed operands keeps the inner loop unit-stride for both B and C.
 */
export function matmulJs(a: Float32Array, b: Float32Array, out: Float32Array, p: MatmulParams): void {
  const { batch, m, n, k, transA, transB, aBatchStride, bBatchStride } = p;
  const ap = new Float32Array(m * k);
  const bp = new Float32Array(k * n);
  for (let bi = 0; bi < batch; bi++) {
    packRowMajor(a, bi * aBatchStride, m, k, transA, ap);
    packRowMajor(b, bi * bBatchStride, k, n, transB, bp);
    const cOff = bi * m * n;
    for (let i = 0; i < m; i++) {
      const row = cOff + i * n;
      for (let j = 0; j < n; j++) out[row + j] = 0;
      for (let kk = 0; kk < k; kk++) {
        const av = ap[i * k + kk];
        if (av === 0) continue;
        const bRow = kk * n;
        for (let j = 0; j < n; j++) out[row + j] += av * bp[bRow + j];
      }
    }
  }
}
