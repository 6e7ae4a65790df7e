import type { UnaryOp } from '../../../device/backend.js';
import type { KernelSource } from '../pipeline-cache.js';
import { matmulEpilogueWgsl } from './matmul.wgsl.js';
import { WGSL_MATH } from './wgsl-math.js';
import { WGSL_MAIN_1D, WGSL_PRELUDE } from './wgsl-prelude.js';

/** Epilogue and load width of the split-K reduction (the partial pass is matmulKernel with `splitK`). */
export interface SplitKReduceConfig {
  /** Four consecutive outputs per thread (N divisible by 4, so a vec4 never crosses a row). */
  readonly vec4: boolean;
  readonly bias?: boolean;
  readonly activation?: UnaryOp | null;
  readonly accumulate?: boolean;
}

/**
 * Second pass of a split-K matmul: one thread per output (or vec4 of outputs) sums the partial
 * products of every K slice in slice order (deterministic, no atomics) and applies the matmul
 * epilogue exactly like the block kernel. Bindings: partials [slices, batch, M, N], C, bias.
 * Params: [outputs, N, slices, -, -, -, alpha].
 */
export function splitKReduceKernel(c: SplitKReduceConfig): KernelSource {
  const key = `matmul-splitk-reduce:${c.vec4 ? 'v' : 's'}${c.bias ? ':bias' : ''}${c.activation ? `:${c.activation}` : ''}${c.accumulate ? ':acc' : ''}`;
  return { key, wgsl: () => splitKReduceWgsl(c) };
}

function splitKReduceWgsl(c: SplitKReduceConfig): string {
  const t = c.vec4 ? 'vec4<f32>' : 'f32';
  return `${WGSL_PRELUDE}${c.activation ? WGSL_MATH : ''}
@group(0) @binding(1) var<storage, read> P: array<${t}>;
@group(0) @binding(2) var<storage, read_write> C: array<${t}>;
${c.bias ? '@group(0) @binding(3) var<storage, read> BIAS: array<f32>;' : ''}
${matmulEpilogueWgsl(c)}
${WGSL_MAIN_1D} {
  let i = flat_index(gid, nwg);
  let count = pu(0u)${c.vec4 ? ' / 4u' : ''};
  if (i >= count) { return; }
  let slices = pu(2u);
  var sum = P[i];
  for (var s = 1u; s < slices; s = s + 1u) { sum = sum + P[s * count + i]; }
  let col = ${c.vec4 ? '(i * 4u)' : 'i'} % pu(1u);
  C[i] = ${c.vec4 ? 'epilogue4' : 'epilogue'}(sum, ${c.accumulate ? 'C[i]' : c.vec4 ? 'vec4<f32>(0.0)' : '0.0'}, col);
}
`;
}
