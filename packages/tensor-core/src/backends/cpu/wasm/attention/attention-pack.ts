import type { ModuleBuilder } from '../emitter/module-builder.js';
import { ValType } from '../emitter/opcodes.js';

const { i32, f32 } = ValType;

/** Function indices of the attention packing routines. */
export interface AttentionPackFns {
  /** `(src, dst, rows, d, bc, rowsPad)`: X [rows][d] -> X^T in blocks of bc rows, [rowsPad/bc][d][bc], zero past `rows`. */
  transposedBlocks: number;
  /** `(src, dst, rows, d, dp, rowsPad)`: X [rows][d] -> [rowsPad][dp], zero padded. */
  paddedRows: number;
  /**
   * `(src, dst, rows, d, rowsPad)`: X [rows][d] -> X^T as panels of 4 rows, [rowsPad/4][d][4], zero
   * past `rows`: the micro-kernel's A operand read contiguously (16 bytes per k).
   */
  panels4: number;
}

/**
 * Emits the packing routines shared by the attention forward and backward: K^T (and V^T) key
 * blocks as the B / A operand of the score products, and row-padded K / V / Q / dO for the
 * products over keys or queries. Each walks its source in order, so no divisions per element.
 */
export function emitAttentionPack(mb: ModuleBuilder): AttentionPackFns {
  const transposedBlocks = mb.func(
    'attn_pack_transposed_blocks',
    [i32, i32, i32, i32, i32, i32],
    [],
    (f) => {
      const [src, dst, rows, d, bc, rowsPad] = f.params;
      const j = f.local(i32);
      const t = f.local(i32);
      f.forRange(j, () => f.i32(0), rowsPad, 1, () => {
        // dst = block base + column jj: element (t, jj) at dst + t*bc*4
        f.forRange(t, () => f.i32(0), d, 1, () => {
          f.get(dst).get(t).get(bc).i32Mul().i32(4).i32Mul().i32Add();
          f.get(j).get(rows).i32LtS().ifElse(
            () => void f.get(src).get(t).i32(4).i32Mul().i32Add().f32Load(),
            () => void f.f32(0),
            f32,
          );
          f.f32Store();
        });
        f.get(src).get(d).i32(4).i32Mul().i32Add().set(src);
        // Next column; after the last column of a block, jump to the next block's start.
        f.inc(dst, 4);
        f.get(j).i32(1).i32Add().get(bc).i32RemU().i32Eqz().ifElse(() => {
          f.get(dst).get(d).i32(1).i32Sub().get(bc).i32Mul().i32(4).i32Mul().i32Add().set(dst);
        });
      });
    },
    { exported: false },
  );
  const paddedRows = mb.func(
    'attn_pack_padded_rows',
    [i32, i32, i32, i32, i32, i32],
    [],
    (f) => {
      const [src, dst, rows, d, dp, rowsPad] = f.params;
      const j = f.local(i32);
      const t = f.local(i32);
      f.forRange(j, () => f.i32(0), rowsPad, 1, () => {
        f.forRange(t, () => f.i32(0), dp, 1, () => {
          f.get(dst).get(t).i32(4).i32Mul().i32Add();
          f.get(j).get(rows).i32LtS().get(t).get(d).i32LtS().i32And().ifElse(
            () => void f.get(src).get(t).i32(4).i32Mul().i32Add().f32Load(),
            () => void f.f32(0),
            f32,
          );
          f.f32Store();
        });
        f.get(dst).get(dp).i32(4).i32Mul().i32Add().set(dst);
        f.get(src).get(d).i32(4).i32Mul().i32Add().set(src);
      });
    },
    { exported: false },
  );
  const panels4 = mb.func(
    'attn_pack_panels4',
    [i32, i32, i32, i32, i32],
    [],
    (f) => {
      const [src, dst, rows, d, rowsPad] = f.params;
      const j = f.local(i32);
      const t = f.local(i32);
      f.forRange(j, () => f.i32(0), rowsPad, 1, () => {
        // element (t, j) at dst + ((j/4)*d + t)*16 + (j%4)*4
        f.forRange(t, () => f.i32(0), d, 1, () => {
          f.get(dst).get(j).i32(2).i32ShrU().get(d).i32Mul().get(t).i32Add().i32(16).i32Mul().i32Add();
          f.get(j).i32(3).i32And().i32(4).i32Mul().i32Add();
          f.get(j).get(rows).i32LtS().ifElse(
            () => void f.get(src).get(t).i32(4).i32Mul().i32Add().f32Load(),
            () => void f.f32(0),
            f32,
          );
          f.f32Store();
        });
        f.get(src).get(d).i32(4).i32Mul().i32Add().set(src);
      });
    },
    { exported: false },
  );
  return { transposedBlocks, paddedRows, panels4 };
}
