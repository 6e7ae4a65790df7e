/**
 * Code generation shared by the fused attention kernels (attention-forward / attention-backward).
 * Head rows live in named registers (`q0_0 .. q0_15`), never in arrays: software adapters
 * (lavapipe) turn every array or memory access into a per-invocation load, while named values
 * stay in SIMD registers (or cheap vector spills).
 */

/** A head-dim row as named registers: vec4 pieces when the dim divides by 4, else scalars. */
export interface HeadRow {
  /** Registers per row. */
  readonly n: number;
  /** WGSL type of one register (and of the bound arrays). */
  readonly type: 'vec4<f32>' | 'f32';
  /** The dot product of two registers as a scalar expression. */
  dot(a: string, b: string): string;
}

/** The register layout of a head dim. */
export function headRow(d: number): HeadRow {
  if (d % 4 === 0) return { n: d / 4, type: 'vec4<f32>', dot: (a, b) => `dot(${a}, ${b})` };
  return { n: d, type: 'f32', dot: (a, b) => `${a} * ${b}` };
}

/** [0, 1, ..., count - 1]. */
export function range(count: number): number[] {
  return Array.from({ length: count }, (_, k) => k);
}

/** `count` generated lines joined with `sep` (an indented newline by default). */
export function lines(count: number, line: (k: number) => string, sep = '\n    '): string {
  return range(count).map(line).join(sep);
}

/** `sum_c dot(a_c, b_c)` over a row's registers, with `a(c)` / `b(c)` naming register c. */
export function rowDot(h: HeadRow, a: (c: number) => string, b: (c: number) => string): string {
  return range(h.n)
    .map((c) => h.dot(a(c), b(c)))
    .join(' + ');
}

/**
 * Opening of every attention kernel: sizes from the uniform block, the batch-head `b` of this
 * workgroup and its block index `blk`. Loop trip counts come from these uniforms so the shader
 * compiler does not unroll the key / query loops.
 * Params: [batchHeads, seqQ, seqK, scale(f32), causal, blocks per head, maskBatchStride, maskGroup].
 */
export const ATTENTION_PROLOGUE = `  let bh = pu(0u);
  let Lq = pu(1u);
  let Lk = pu(2u);
  let scale = pf(3u);
  let causal = pu(4u) != 0u;
  let blocks = pu(5u);
  let flat = wid.x + wid.y * nwg.x;
  let b = flat / blocks;
  if (b >= bh) { return; }
  let blk = flat % blocks;
  let maskBase = (b / pu(7u)) * pu(6u);`;

/** The entry point signature shared by the attention kernels. */
export function attentionMain(wg: number): string {
  return `@compute @workgroup_size(${wg})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32, @builtin(num_workgroups) nwg: vec3<u32>)`;
}

/**
 * Query row r of an invocation's block: its index (clamped so rows past seqQ redo the last row
 * instead of branching), its offset, and its head row pre-scaled into named registers q{r}_{c}.
 */
export function queryRowRegisters(r: number, wg: number, n: number): string {
  return `let row${r} = firstRow + t + ${r * wg}u;
  let i${r} = min(row${r}, Lq - 1u);
  let qRow${r} = (b * Lq + i${r}) * ${n}u;
  ${lines(n, (c) => `let q${r}_${c} = Q[qRow${r} + ${c}u] * scale;`, '\n  ')}`;
}
