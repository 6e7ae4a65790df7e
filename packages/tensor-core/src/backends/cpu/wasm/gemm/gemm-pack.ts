import type { ModuleBuilder } from '../emitter/module-builder.js';
import { ValType } from '../emitter/opcodes.js';

const { i32 } = ValType;

/**
 * Emits `pack_panel_<r>(src, sR, sK, validR, k, dst)`: copies an r-row panel of a strided
 * matrix into [k][r] order (r consecutive floats per k), rows at or past `validR` as zeros.
 * sR / sK are byte strides between rows / k steps. The micro-kernel then reads its operands
 * sequentially whatever the transposition of the input was.
 */
export function emitPackPanel(mb: ModuleBuilder, r: number): number {
  return mb.func(
    `pack_panel_${r}`,
    [i32, i32, i32, i32, i32, i32],
    [],
    (f) => {
      const [src, sR, sK, validR, k, dst] = f.params;
      const p = f.local(i32);
      const kk = f.local(i32);
      const row = f.local(i32);
      const rowOff: number[] = [];
      for (let q = 0; q < r; q++) rowOff.push(f.local(i32).index);

      f.get(validR).i32(r).i32Eq().ifElse(
        () => {
          // Rows contiguous in memory (sR = 4): whole vectors per k.
          f.get(sR).i32(4).i32Eq().ifElse(
            () => {
              f.get(src).set(p);
              f.forRange(kk, () => f.i32(0), k, 1, () => {
                let q = 0;
                for (; q + 4 <= r; q += 4) f.get(dst).get(p).v128Load(q * 4).v128Store(q * 4);
                for (; q < r; q++) f.get(dst).get(p).f32Load(q * 4).f32Store(q * 4);
                f.get(p).get(sK).i32Add().set(p);
                f.inc(dst, r * 4);
              });
            },
            () => {
              // General strides: r scalar gathers per k, row offsets precomputed.
              for (let q = 0; q < r; q++) f.get(sR).i32(q).i32Mul().set({ index: rowOff[q], type: i32 });
              f.get(src).set(p);
              f.forRange(kk, () => f.i32(0), k, 1, () => {
                for (let q = 0; q < r; q++) {
                  f.get(dst).get(p).get({ index: rowOff[q], type: i32 }).i32Add().f32Load().f32Store(q * 4);
                }
                f.get(p).get(sK).i32Add().set(p);
                f.inc(dst, r * 4);
              });
            },
          );
        },
        () => {
          // Edge panel: zero-fill, then copy the valid rows one at a time.
          f.get(k).i32(r).i32Mul().set(p);
          f.forRange(kk, () => f.i32(0), p, 1, () => {
            f.get(dst).get(kk).i32(2).i32Shl().i32Add().f32(0).f32Store();
          });
          f.forRange(row, () => f.i32(0), validR, 1, () => {
            f.get(src).get(row).get(sR).i32Mul().i32Add().set(p);
            f.forRange(kk, () => f.i32(0), k, 1, () => {
              f.get(dst).get(kk).i32(r * 4).i32Mul().i32Add().get(row).i32(2).i32Shl().i32Add();
              f.get(p).f32Load().f32Store();
              f.get(p).get(sK).i32Add().set(p);
            });
          });
        },
      );
    },
    { exported: false },
  );
}
