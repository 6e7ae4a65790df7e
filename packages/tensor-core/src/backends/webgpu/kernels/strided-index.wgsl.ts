/**
 * Uniform layout of the strided kernels, in words: [n, shape(rank), strides of operand 0 (rank),
 * ..., strides of operand k-1 (rank), offset of operand 0, ..., offset of operand k-1].
 */
export function stridedParams(n: number, shape: readonly number[], strides: readonly (readonly number[])[], offsets: readonly number[]): Uint32Array {
  const rank = shape.length;
  const words = new Int32Array(1 + rank + strides.length * rank + offsets.length);
  words[0] = n;
  words.set(shape, 1);
  strides.forEach((s, k) => words.set(s, 1 + rank + k * rank));
  words.set(offsets, 1 + rank + strides.length * rank);
  return new Uint32Array(words.buffer);
}

/** The most words a strided kernel's uniform block can hold for `operands` operands. */
export function maxStridedRank(operands: number): number {
  return Math.floor((64 - 1 - operands) / (1 + operands));
}

/**
 * WGSL that declares `o0..o{k-1}` (i32 element offsets) for the row-major index `i`, unrolled for
 * the rank so there are no loops over uniform arrays in the hot path.
 */
export function stridedOffsetsWgsl(rank: number, operands: number): string {
  const lines: string[] = [];
  for (let k = 0; k < operands; k++) lines.push(`  var o${k}: i32 = pi(${1 + rank + operands * rank + k}u);`);
  if (rank > 0) lines.push('  var rem = i;');
  for (let d = rank - 1; d >= 0; d--) {
    lines.push(`  { let extent = pu(${1 + d}u); let c = i32(rem % extent); rem = rem / extent;`);
    for (let k = 0; k < operands; k++) lines.push(`    o${k} += c * pi(${1 + rank + k * rank + d}u);`);
    lines.push('  }');
  }
  return lines.join('\n');
}
