/** Threads per workgroup of the 1-D elementwise kernels. */
export const WORKGROUP_SIZE = 256;

/**
 * The shared head of every kernel: the 64-word uniform block at binding 0 and `flat_index`, which
 * turns a 2-D dispatch (split because of maxComputeWorkgroupsPerDimension) back into one index.
 */
export const WGSL_PRELUDE = /* wgsl */ `
struct Params { v: array<vec4<u32>, 16> }
@group(0) @binding(0) var<uniform> params: Params;
fn pu(i: u32) -> u32 { return params.v[i >> 2u][i & 3u]; }
fn pi(i: u32) -> i32 { return bitcast<i32>(pu(i)); }
fn pf(i: u32) -> f32 { return bitcast<f32>(pu(i)); }
fn flat_index(gid: vec3<u32>, nwg: vec3<u32>) -> u32 { return gid.x + gid.y * nwg.x * ${WORKGROUP_SIZE}u; }
`;

/** The entry point signature of a 1-D kernel. */
export const WGSL_MAIN_1D = /* wgsl */ `@compute @workgroup_size(${WORKGROUP_SIZE})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>)`;
