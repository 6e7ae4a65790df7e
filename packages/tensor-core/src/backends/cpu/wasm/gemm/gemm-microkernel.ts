import type { FunctionBuilder, Local } from '../emitter/function-builder.js';
import type { ModuleBuilder } from '../emitter/module-builder.js';
import { ValType } from '../emitter/opcodes.js';

/** Shape and instruction choices of the register-blocked GEMM micro-kernel. */
export interface MicroKernelConfig {
  /** Rows of C per call (A values broadcast from the packed A panel). */
  mr: number;
  /** Columns of C per call, a multiple of 4 (one v128 accumulator per 4 columns). */
  nr: number;
  /** Use f32x4.relaxed_madd instead of mul + add. */
  relaxed: boolean;
}

const { i32, v128 } = ValType;

/**
 * Emits `gemm_ukernel(a, b, c, kc, ldc, accumulate, aStep, bStep)`:
 * C[mr x nr] (+)= sum over k < kc of A_k[0..mr) (outer) B_k[0..nr), where A_k is mr consecutive
 * floats at a + k*aStep and B_k nr consecutive floats at b + k*bStep (steps in bytes; packed
 * panels use mr*4 / nr*4, attention reads transposed blocks with longer steps).
 * The mr x nr/4 accumulators live in v128 locals (registers); per k it loads nr/4 vectors of B
 * and broadcasts mr scalars of A, so the loop is bound by multiply-adds, not loads.
 * `ldc` is C's row stride in bytes.
 */
export function emitGemmMicroKernel(mb: ModuleBuilder, cfg: MicroKernelConfig): number {
  const { mr, nr, relaxed } = cfg;
  if (nr % 4 !== 0) throw new RangeError(`gemm micro-kernel: nr=${nr} must be a multiple of 4`);
  const nv = nr / 4;
  return mb.func(
    'gemm_ukernel',
    [i32, i32, i32, i32, i32, i32, i32, i32],
    [],
    (f) => {
      const [a, b, c, kc, ldc, accumulate, aStep, bStep] = f.params;
      const acc: Local[][] = [];
      for (let r = 0; r < mr; r++) {
        acc.push([]);
        for (let j = 0; j < nv; j++) acc[r].push(f.local(v128));
      }
      const bv: Local[] = [];
      for (let j = 0; j < nv; j++) bv.push(f.local(v128));
      const av = f.local(v128);
      const cp = f.local(i32);

      // v128 locals start at zero, so the accumulators need no explicit clearing.
      const step = () => {
        for (let j = 0; j < nv; j++) f.get(b).v128Load(j * 16).set(bv[j]);
        for (let r = 0; r < mr; r++) {
          f.get(a).v128Load32Splat(r * 4).set(av);
          for (let j = 0; j < nv; j++) madd(f, relaxed, av, bv[j], acc[r][j]);
        }
      };

      // One k per iteration: unrolled with immediate offsets, V8 hoists every base+offset into
      // its own register and spills (measured 2x slower on x64).
      f.block((exit) => {
        f.get(kc).i32Eqz().brIf(exit);
        f.loop((top) => {
          step();
          f.get(a).get(aStep).i32Add().set(a);
          f.get(b).get(bStep).i32Add().set(b);
          f.get(kc).i32(1).i32Sub().tee(kc).brIf(top);
        });
      });

      f.get(c).set(cp);
      f.get(accumulate).ifElse(
        () => {
          for (let r = 0; r < mr; r++) {
            for (let j = 0; j < nv; j++) {
              f.get(cp).get(cp).v128Load(j * 16).get(acc[r][j]).f32x4Add().v128Store(j * 16);
            }
            f.get(cp).get(ldc).i32Add().set(cp);
          }
        },
        () => {
          for (let r = 0; r < mr; r++) {
            for (let j = 0; j < nv; j++) f.get(cp).get(acc[r][j]).v128Store(j * 16);
            f.get(cp).get(ldc).i32Add().set(cp);
          }
        },
      );
    },
    { exported: false },
  );
}

/** acc += x * y, fused when relaxed SIMD is on. */
function madd(f: FunctionBuilder, relaxed: boolean, x: Local, y: Local, acc: Local): void {
  if (relaxed) f.get(x).get(y).get(acc).f32x4RelaxedMadd().set(acc);
  else f.get(acc).get(x).get(y).f32x4Mul().f32x4Add().set(acc);
}
