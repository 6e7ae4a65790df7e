import type { DType } from '../../../dtype.js';
import type { KernelSource } from '../pipeline-cache.js';
import { WGSL_MAIN_1D, WGSL_PRELUDE } from './wgsl-prelude.js';

/**
 * Rounding on bit patterns, mirroring dtype.ts exactly (round to nearest even, f16 subnormals and
 * overflow to infinity, NaN kept quiet); working on u32 words keeps f32 subnormal inputs intact
 * even where the GPU flushes subnormal floats.
 */
const WGSL_ROUNDING = /* wgsl */ `
fn f16_bits(x: u32) -> u32 {
  let sign = (x >> 16u) & 0x8000u;
  let ex = (x >> 23u) & 0xffu;
  var mant = x & 0x7fffffu;
  if (ex == 0xffu) { return sign | 0x7c00u | select(0u, 0x200u, mant != 0u); }
  var e = i32(ex) - 127 + 15;
  if (e >= 0x1f) { return sign | 0x7c00u; }
  if (e <= 0) {
    if (e < -10) { return sign; }
    mant = mant | 0x800000u;
    let shift = u32(14 - e);
    let half = 1u << (shift - 1u);
    var m = mant >> shift;
    let rest = mant & ((1u << shift) - 1u);
    if (rest > half || (rest == half && (m & 1u) != 0u)) { m = m + 1u; }
    return sign | m;
  }
  var m = mant >> 13u;
  let rest = mant & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (m & 1u) != 0u)) {
    m = m + 1u;
    if (m == 0x400u) {
      m = 0u;
      e = e + 1;
      if (e >= 0x1f) { return sign | 0x7c00u; }
    }
  }
  return sign | (u32(e) << 10u) | m;
}
fn f16_to_f32_bits(h: u32) -> u32 {
  let sign = (h & 0x8000u) << 16u;
  let ex = (h >> 10u) & 0x1fu;
  let mant = h & 0x3ffu;
  if (ex == 0u) { return sign | bitcast<u32>(f32(mant) * 5.9604644775390625e-8); }
  // NaN becomes the canonical quiet NaN, as dtype.ts decodes it.
  if (ex == 0x1fu) { return select(sign | 0x7f800000u, 0x7fc00000u, mant != 0u); }
  return sign | ((ex + 112u) << 23u) | (mant << 13u);
}
fn round_f16(x: u32) -> u32 { return f16_to_f32_bits(f16_bits(x)); }
fn round_bf16(x: u32) -> u32 {
  if ((x & 0x7f800000u) == 0x7f800000u && (x & 0x7fffffu) != 0u) { return (x | 0x400000u) & 0xffff0000u; }
  return ((x + 0x7fffu + ((x >> 16u) & 1u)) >> 16u) << 16u;
}
fn trunc_i32(v: f32) -> i32 {
  // Like JS ToInt32 (Int32Array stores): NaN / infinity give 0, |v| >= 2^31 wraps modulo 2^32.
  let b = bitcast<u32>(v);
  let ex = (b >> 23u) & 0xffu;
  if (ex == 0xffu) { return 0; }
  if (ex < 158u) { return i32(trunc(v)); }
  let shift = ex - 150u;
  if (shift >= 32u) { return 0; }
  let low = ((b & 0x7fffffu) | 0x800000u) << shift;
  return bitcast<i32>(select(low, 0u - low, (b >> 31u) != 0u));
}
fn u8_from_f32(v: f32) -> u32 {
  if ((bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u) { return 0u; }
  return u32(clamp(i32(trunc(clamp(v, -1.0, 256.0))), 0, 255));
}
`;

function isFloatDtype(d: DType): boolean {
  return d === 'f32' || d === 'f16' || d === 'bf16';
}

/** WGSL for the f32 bit pattern of the source word `w` as a float. */
function sourceFloatBits(from: DType): string {
  if (isFloatDtype(from)) return 'w';
  if (from === 'i32') return 'bitcast<u32>(f32(bitcast<i32>(w)))';
  return 'bitcast<u32>(f32(w))';
}

function convertExpr(from: DType, to: DType): string {
  switch (to) {
    case 'f32':
      return sourceFloatBits(from);
    case 'f16':
      return `round_f16(${sourceFloatBits(from)})`;
    case 'bf16':
      return `round_bf16(${sourceFloatBits(from)})`;
    case 'i32':
      return isFloatDtype(from) ? 'bitcast<u32>(trunc_i32(bitcast<f32>(w)))' : 'w';
    case 'u8':
      if (from === 'u8') return 'w';
      if (from === 'i32') return 'u32(clamp(bitcast<i32>(w), 0, 255))';
      return 'u8_from_f32(bitcast<f32>(w))';
  }
}

/** Converts words of dtype `from` into words of dtype `to` (see WebGpuStorage for the word forms). Params: [n]. */
export function castKernel(from: DType, to: DType): KernelSource {
  return {
    key: `cast:${from}:${to}`,
    wgsl: () => `${WGSL_PRELUDE}${WGSL_ROUNDING}
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<u32>;
${WGSL_MAIN_1D} {
  let i = flat_index(gid, nwg);
  if (i >= pu(0u)) { return; }
  let w = src[i];
  dst[i] = ${convertExpr(from, to)};
}
`,
  };
}

/**
 * Packed halves (two f16 per word) -> words of dtype `to` (`f16` gives the one-f32-word form).
 * The half is widened on its bits, so subnormal halves stay exact. Params: [n].
 */
export function unpackHalvesKernel(to: DType): KernelSource {
  return {
    key: `cast:f16packed:${to}`,
    wgsl: () => `${WGSL_PRELUDE}${WGSL_ROUNDING}
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<u32>;
${WGSL_MAIN_1D} {
  let i = flat_index(gid, nwg);
  if (i >= pu(0u)) { return; }
  let w = f16_to_f32_bits((src[i >> 1u] >> ((i & 1u) * 16u)) & 0xffffu);
  dst[i] = ${convertExpr('f16', to)};
}
`,
  };
}

/**
 * Words of dtype `from` -> packed halves, rounded on bit patterns like dtype.ts; one thread per
 * output word, so no two threads share a word. Params: [n elements].
 */
export function packHalvesKernel(from: DType): KernelSource {
  return {
    key: `cast:${from}:f16packed`,
    wgsl: () => `${WGSL_PRELUDE}${WGSL_ROUNDING}
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<u32>;
fn half_of(w: u32) -> u32 { return f16_bits(${sourceFloatBits(from)}); }
${WGSL_MAIN_1D} {
  let j = flat_index(gid, nwg);
  let n = pu(0u);
  if (2u * j >= n) { return; }
  var hi = 0u;
  if (2u * j + 1u < n) { hi = half_of(src[2u * j + 1u]); }
  dst[j] = half_of(src[2u * j]) | (hi << 16u);
}
`,
  };
}
