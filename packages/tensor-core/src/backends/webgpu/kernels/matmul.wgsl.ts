import type { UnaryOp } from '../../../device/backend.js';
import type { KernelSource } from '../pipeline-cache.js';
import { UNARY_EXPR } from './unary.wgsl.js';
import { WGSL_MATH } from './wgsl-math.js';
import { WGSL_PRELUDE } from './wgsl-prelude.js';

/** Storage form of a matmul operand: 32-bit floats, or IEEE halves packed two per word (shader-f16). */
export type MatmulOperandForm = 'f32' | 'f16';

/** Shape of the register-blocked matmul: rows per workgroup, column groups per thread, threads. */
export interface MatmulConfig {
  readonly transA: boolean;
  readonly transB: boolean;
  /** Output rows per workgroup (4 or 8), shared by all of its threads. */
  readonly rows: number;
  /** vec4 column groups per thread (the thread's block is rows x 4 * groups). */
  readonly groups: number;
  /** Threads per workgroup, side by side along the columns. */
  readonly threads: number;
  /** Load A as vec4 along its contiguous axis (needs that axis and A's batch stride divisible by 4). */
  readonly vecA: boolean;
  /** Load B as vec4 along its contiguous axis (same condition). */
  readonly vecB: boolean;
  /** M, N are multiples of the block and K of 4: no clamps, no K tail. */
  readonly fit: boolean;
  /** Operand storage: f16 operands are packed halves, read as vec4<f16> / pairs and widened to f32. */
  readonly formA?: MatmulOperandForm;
  readonly formB?: MatmulOperandForm;
  /** Epilogue: add a bias over columns (binding 4), then apply an activation, before the store. */
  readonly bias?: boolean;
  readonly activation?: UnaryOp | null;
  /** C = epilogue(alpha * A B + C_old): accumulate into the existing output (alpha, param 6, always scales A B). */
  readonly accumulate?: boolean;
  /**
   * Split-K partial pass: workgroup z is (batch, K slice), the slice's plain sum goes to a partial
   * buffer [slices, batch, M, N] (no epilogue; matmul-split-k-reduce.wgsl.ts sums and finishes).
   * Params 8-10: total batch, slices, K per slice (a multiple of 4).
   */
  readonly splitK?: boolean;
}

/** Output columns covered by one workgroup. */
export function matmulBlockCols(c: Pick<MatmulConfig, 'groups' | 'threads'>): number {
  return 4 * c.groups * c.threads;
}

/** WGSL binding and element loader for one operand in its storage form. */
function operandBinding(name: 'A' | 'B', binding: number, vec: boolean, form: MatmulOperandForm): string {
  if (form === 'f16') {
    // Halves packed two per u32 word; vec2<u32> = 4 halves when vec4 loads are allowed.
    return `@group(0) @binding(${binding}) var<storage, read> ${name}h: array<${vec ? 'vec2<u32>' : 'u32'}>;
fn load${name}(i: u32) -> f32 { let w = ${vec ? `${name}h[i >> 2u][(i >> 1u) & 1u]` : `${name}h[i >> 1u]`}; return f32(bitcast<vec2<f16>>(w)[i & 1u]); }
${vec ? `fn load${name}4(i4: u32) -> vec4<f32> { let w = ${name}h[i4]; return vec4<f32>(vec4<f16>(bitcast<vec2<f16>>(w.x), bitcast<vec2<f16>>(w.y))); }` : ''}`;
  }
  return `@group(0) @binding(${binding}) var<storage, read> ${name}: array<${vec ? 'vec4<f32>' : 'f32'}>;
fn load${name}(i: u32) -> f32 { return ${vec ? `${name}[i >> 2u][i & 3u]` : `${name}[i]`}; }
${vec ? `fn load${name}4(i4: u32) -> vec4<f32> { return ${name}[i4]; }` : ''}`;
}

/**
 * Register-blocked batched matmul without workgroup memory or barriers, shaped for CPU-backed
 * adapters (lavapipe pays every load per invocation but vectorises register arithmetic across
 * invocations, and a barrier is a coroutine switch): a workgroup owns `rows` output rows and its
 * threads own interleaved vec4 column groups; each K step of 4 loads whole vec4s of A and B along
 * their contiguous axes (rows + 4 * groups loads) for rows x groups x 4 vec4 multiply-adds. Ragged
 * M / N clamp their load indices (those results are never stored) and a ragged K ends in one
 * guarded step. Params: [M, N, K, aBatchStride, bBatchStride, batchBase, alpha, rowBase].
 */
export function matmulKernel(c: MatmulConfig): KernelSource {
  const R = c.rows;
  const G = c.groups;
  const W = c.threads;
  const formA = c.formA ?? 'f32';
  const formB = c.formB ?? 'f32';
  const key = `matmul:r${R}g${G}t${W}:${c.transA ? 'T' : 'N'}${c.transB ? 'T' : 'N'}:${c.vecA ? 'v' : 's'}${c.vecB ? 'v' : 's'}${formA === 'f16' ? ':ah' : ''}${formB === 'f16' ? ':bh' : ''}${c.fit ? ':fit' : ''}${c.splitK ? ':splitk' : `${c.bias ? ':bias' : ''}${c.activation ? `:${c.activation}` : ''}${c.accumulate ? ':acc' : ''}`}`;
  return { key, wgsl: () => matmulWgsl(c, R, G, W, formA, formB) };
}

function matmulWgsl(c: MatmulConfig, R: number, G: number, W: number, formA: MatmulOperandForm, formB: MatmulOperandForm): string {
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);
  const clampRow = (e: string) => (c.fit ? `(${e})` : `min(${e}, M - 1u)`);
  const clampCol = (e: string) => (c.fit ? `(${e})` : `min(${e}, N - 1u)`);
  // Per-thread constant offsets: A row (or row-group) bases and B column bases, clamped once.
  const setup: string[] = [];
  for (const r of range(R)) {
    // Non-transposed A: row r starts at r * K. Transposed A: element (r, k) is at k * M + r; with
    // vec4 loads only the starts of 4-row groups are needed, clamped to M - 4 (M % 4 == 0 there).
    if (!c.transA) setup.push(`let ar${r} = aBase + ${clampRow(`row0 + ${r}u`)} * K;`);
    else if (!c.vecA) setup.push(`let ar${r} = aBase + ${clampRow(`row0 + ${r}u`)};`);
    else if (r % 4 === 0) setup.push(`let ar${r} = aBase + ${c.fit ? `row0 + ${r}u` : `min(row0 + ${r}u, M - 4u)`};`);
  }
  for (const g of range(G)) {
    for (const j of range(4)) {
      // Columns 4 * (cb + g * W) + j; a vec4 group along non-transposed B needs only its first column.
      if (c.vecB && !c.transB && j > 0) continue;
      const col = `(cb + ${g * W}u) * 4u + ${j}u`;
      setup.push(`let bc${g}_${j} = bBase + ${c.transB ? `${clampCol(col)} * K` : !c.vecB ? clampCol(col) : c.fit ? col : `min(${col}, N - 4u)`};`);
    }
  }
  /** A(r, k + q) and B(k + q, group g) as WGSL values for one K step; `guard` zeroes k + q >= K. */
  const step = (guard: boolean): string => {
    const out: string[] = [];
    const kq = (q: number) => (guard ? `min(k + ${q}u, KE - 1u)` : `(k + ${q}u)`);
    const keep = (q: number) => `k + ${q}u < KE`;
    // A values: aval[r][q].
    const aval: string[][] = range(R).map(() => []);
    if (!c.transA) {
      for (const r of range(R)) {
        if (c.vecA && !guard) out.push(`let a${r} = loadA4((ar${r} + k) >> 2u);`);
        else out.push(`let a${r} = vec4<f32>(${range(4).map((q) => `loadA(ar${r} + ${kq(q)})`).join(', ')});`);
        if (guard) out.push(`let a${r}z = select(vec4<f32>(0.0), a${r}, vec4<bool>(${range(4).map(keep).join(', ')}));`);
        for (const q of range(4)) aval[r][q] = `a${r}${guard ? 'z' : ''}[${q}]`;
      }
    } else {
      // Transposed A: 4 consecutive rows at one k are contiguous.
      for (const q of range(4)) {
        for (let r4 = 0; r4 < R; r4 += 4) {
          const name = `at${r4}_${q}`;
          if (c.vecA) out.push(`let ${name} = loadA4((${kq(q)} * M + ar${r4}) >> 2u);`);
          else out.push(`let ${name} = vec4<f32>(${range(4).map((i) => `loadA(${kq(q)} * M + ar${r4 + i})`).join(', ')});`);
          if (guard) out.push(`let ${name}z = select(vec4<f32>(0.0), ${name}, ${keep(q)});`);
          for (const i of range(4)) aval[r4 + i][q] = `${name}${guard ? 'z' : ''}[${i}]`;
        }
      }
    }
    // B rows over a group's 4 columns: brow[g][q] (vec4 over j).
    const brow: string[][] = range(G).map(() => []);
    for (const g of range(G)) {
      if (!c.transB) {
        for (const q of range(4)) {
          const name = `b${g}_${q}`;
          if (c.vecB) out.push(`let ${name} = loadB4((${kq(q)} * N + bc${g}_0) >> 2u);`);
          else out.push(`let ${name} = vec4<f32>(${range(4).map((j) => `loadB(${kq(q)} * N + bc${g}_${j})`).join(', ')});`);
          brow[g][q] = guard ? `select(vec4<f32>(0.0), ${name}, ${keep(q)})` : name;
        }
      } else {
        // Transposed B: 4 consecutive k of one column are contiguous; regroup per k (free in SIMD-lane form).
        for (const j of range(4)) {
          const name = `bt${g}_${j}`;
          if (c.vecB && !guard) out.push(`let ${name} = loadB4((bc${g}_${j} + k) >> 2u);`);
          else out.push(`let ${name} = vec4<f32>(${range(4).map((q) => `loadB(bc${g}_${j} + ${kq(q)})`).join(', ')});`);
        }
        for (const q of range(4)) {
          const v = `vec4<f32>(bt${g}_0[${q}], bt${g}_1[${q}], bt${g}_2[${q}], bt${g}_3[${q}])`;
          brow[g][q] = guard ? `select(vec4<f32>(0.0), ${v}, ${keep(q)})` : v;
        }
      }
      if (c.transB || guard) {
        for (const q of range(4)) {
          out.push(`let br${g}_${q} = ${brow[g][q]};`);
          brow[g][q] = `br${g}_${q}`;
        }
      }
    }
    for (const r of range(R)) {
      for (const g of range(G)) {
        out.push(`acc${r}_${g} = ${range(4).reduce((s, q) => `fma(vec4<f32>(${aval[r][q]}), ${brow[g][q]}, ${s})`, `acc${r}_${g}`)};`);
      }
    }
    return out.join('\n    ');
  };

  const accs = range(R).flatMap((r) => range(G).map((g) => `var acc${r}_${g} = vec4<f32>(0.0);`));
  const stores: string[] = [];
  const vecOut = c.fit;
  for (const r of range(R)) {
    for (const g of range(G)) {
      const col = `(cb + ${g * W}u) * 4u`;
      const at = `cBase + (row0 + ${r}u) * N + ${col}`;
      if (vecOut) {
        stores.push(c.splitK ? `C[(${at}) >> 2u] = acc${r}_${g};` : `{ let at = (${at}) >> 2u; C[at] = epilogue4(acc${r}_${g}, ${c.accumulate ? 'C[at]' : 'vec4<f32>(0.0)'}, ${col}); }`);
      } else {
        const value = c.splitK ? `acc${r}_${g}[j]` : `epilogue(acc${r}_${g}[j], ${c.accumulate ? 'C[at]' : '0.0'}, col)`;
        stores.push(`if (row0 + ${r}u < M) { for (var j = 0u; j < 4u; j = j + 1u) { let col = ${col} + j; if (col < N) { let at = ${at} + j; C[at] = ${value}; } } }`);
      }
    }
  }
  const epilogued = !c.splitK;
  return `${formA === 'f16' || formB === 'f16' ? 'enable f16;\n' : ''}${WGSL_PRELUDE}${epilogued && c.activation ? WGSL_MATH : ''}
${epilogued && c.bias ? '@group(0) @binding(4) var<storage, read> BIAS: array<f32>;' : ''}
${epilogued ? matmulEpilogueWgsl(c) : ''}
${operandBinding('A', 1, c.vecA, formA)}
${operandBinding('B', 2, c.vecB, formB)}
@group(0) @binding(3) var<storage, read_write> C: array<${vecOut ? 'vec4<f32>' : 'f32'}>;
@compute @workgroup_size(${W})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let M = pu(0u);
  let N = pu(1u);
  let K = pu(2u);
  ${c.splitK ? `let slices = pu(9u);
  let slice = wid.z % slices;
  let batch = wid.z / slices + pu(5u);
  let K0 = slice * pu(10u);
  let KE = max(K0, min(K, K0 + pu(10u)));
  let cBase = (slice * pu(8u) + batch) * M * N;` : `let batch = wid.z + pu(5u);
  let K0 = 0u;
  let KE = K;
  let cBase = batch * M * N;`}
  let aBase = batch * pu(3u);
  let bBase = batch * pu(4u);
  let row0 = (wid.y + pu(7u)) * ${R}u;
  let cb = wid.x * ${G * W}u + lid.x;
  ${setup.join('\n  ')}
  ${accs.join('\n  ')}
  let K4 = K0 + ((KE - K0) & ~3u);
  for (var k = K0; k < K4; k = k + 4u) {
    ${step(false)}
  }
  ${c.fit ? '' : `if (K4 < KE) {
    let k = K4;
    ${step(true)}
  }`}
  ${stores.join('\n  ')}
}
`;
}

/**
 * The matmul epilogue as WGSL functions `epilogue` / `epilogue4`: alpha (param 6) times the
 * product, plus the old output (accumulate), plus BIAS[col], then the activation. Shared by the
 * block kernel and the split-K reduction so both finish a product identically.
 */
export function matmulEpilogueWgsl(c: Pick<MatmulConfig, 'bias' | 'activation' | 'accumulate'>): string {
  return `fn epilogue(v: f32, old: f32, col: u32) -> f32 {
  var x = pf(6u) * v${c.accumulate ? ' + old' : ''}${c.bias ? ' + BIAS[col]' : ''};
  ${c.activation ? `x = ${UNARY_EXPR[c.activation]};` : ''}
  return x;
}
fn epilogue4(v: vec4<f32>, old: vec4<f32>, col: u32) -> vec4<f32> {
  return vec4<f32>(epilogue(v.x, old.x, col), epilogue(v.y, old.y, col + 1u), epilogue(v.z, old.z, col + 2u), epilogue(v.w, old.w, col + 3u));
}`;
}
