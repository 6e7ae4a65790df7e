import type { ReduceOp } from '../../../device/backend.js';
import type { KernelSource } from '../pipeline-cache.js';
import { WGSL_MATH } from './wgsl-math.js';
import { WGSL_PRELUDE, WORKGROUP_SIZE } from './wgsl-prelude.js';

/** Rows at most this long are reduced by one thread each; longer rows get a workgroup each. */
export const ROW_PER_THREAD_MAX_INNER = 64;

/**
 * The accumulator of each reduction as WGSL: state (value v, index k), its start, and a `take`
 * test saying whether candidate (cv, ck) replaces it. NaN wins (like the CPU), ties keep the lower
 * index, so the tree order of the workgroup variant gives the sequential answer.
 */
function accumulator(op: ReduceOp): { init: string; take: string; merge: string } {
  const sum = op === 'sum';
  const init = sum ? '0.0' : op === 'max' || op === 'argmax' ? '-inf_f32()' : 'inf_f32()';
  const cmp = op === 'max' || op === 'argmax' ? 'cv > v' : 'cv < v';
  return {
    init,
    take: `fn take(v: f32, k: u32, cv: f32, ck: u32) -> bool {
  if (is_nan(v)) { return is_nan(cv) && ck < k; }
  if (is_nan(cv)) { return true; }
  return ${cmp} || (cv == v && ck < k);
}`,
    merge: sum ? 'v = v + cv;' : 'if (take(v, k, cv, ck)) { v = cv; k = ck; }',
  };
}

function output(op: ReduceOp): { type: string; expr: string } {
  return op === 'argmax' || op === 'argmin' ? { type: 'i32', expr: 'i32(k)' } : { type: 'f32', expr: 'v' };
}

/** One thread per row of an [outer, inner] view. Params: [outer, inner]. */
export function reduceRowsKernel(op: ReduceOp): KernelSource {
  const acc = accumulator(op);
  const out = output(op);
  return {
    key: `reduce-rows:${op}`,
    wgsl: () => `${WGSL_PRELUDE}${WGSL_MATH}
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<${out.type}>;
${acc.take}
@compute @workgroup_size(${WORKGROUP_SIZE})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = flat_index(gid, nwg);
  let inner = pu(1u);
  if (row >= pu(0u)) { return; }
  var v: f32 = ${acc.init};
  var k: u32 = 0u;
  let base = row * inner;
  for (var j = 0u; j < inner; j = j + 1u) {
    let cv = src[base + j];
    let ck = j;
    ${op === 'sum' ? acc.merge : `if (j == 0u) { v = cv; } else { ${acc.merge} }`}
  }
  dst[row] = ${out.expr};
}
`,
  };
}

/** One workgroup per row: strided partial results, then a tree in workgroup memory. Params: [outer, inner]. */
export function reduceWorkgroupKernel(op: ReduceOp): KernelSource {
  const acc = accumulator(op);
  const out = output(op);
  const n = WORKGROUP_SIZE;
  return {
    key: `reduce-wg:${op}`,
    wgsl: () => `${WGSL_PRELUDE}${WGSL_MATH}
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<${out.type}>;
var<workgroup> sv: array<f32, ${n}>;
var<workgroup> sk: array<u32, ${n}>;
${acc.take}
@compute @workgroup_size(${n})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32, @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = wid.x + wid.y * nwg.x;
  let inner = pu(1u);
  if (row >= pu(0u)) { return; }
  let base = row * inner;
  var v: f32 = ${acc.init};
  var k: u32 = 0xffffffffu;
  for (var j = t; j < inner; j = j + ${n}u) {
    let cv = src[base + j];
    let ck = j;
    ${op === 'sum' ? acc.merge : `if (k == 0xffffffffu) { v = cv; k = ck; } else { ${acc.merge} }`}
  }
  sv[t] = v;
  sk[t] = k;
  workgroupBarrier();
  for (var s = ${n / 2}u; s > 0u; s = s >> 1u) {
    if (t < s) {
      let cv = sv[t + s];
      let ck = sk[t + s];
      v = sv[t];
      k = sk[t];
      ${op === 'sum' ? acc.merge : `if (ck != 0xffffffffu && (k == 0xffffffffu || take(v, k, cv, ck))) { v = cv; k = ck; }`}
      sv[t] = v;
      sk[t] = k;
    }
    workgroupBarrier();
  }
  if (t == 0u) {
    v = sv[0];
    k = select(sk[0], 0u, sk[0] == 0xffffffffu);
    dst[row] = ${out.expr};
  }
}
`,
  };
}
