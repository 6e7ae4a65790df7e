import type { FunctionBuilder, Local } from '../emitter/function-builder.js';
import { claimLoopTotal, locals, minTo } from '../emitter/i32-locals.js';
import type { ModuleBuilder } from '../emitter/module-builder.js';
import { ValType } from '../emitter/opcodes.js';
import { ConvJob } from './conv-job.js';

const { i32 } = ValType;

/** Names of the exported conv phase functions. */
export const CONV_PHASES = ['conv_im2col', 'conv_col2im'] as const;

/**
 * Emits the conv phases (descriptor in conv-job.ts), each claiming (image, channel) planes:
 * `conv_im2col` writes the plane's kh*kw patch rows, `conv_col2im` sums those rows back into the
 * plane. Each tap's valid output columns [x0, x1) are computed once, so the per-row work is a run
 * copy (v128 when the stride is 1) plus zeroed padding, with no per-element bounds checks.
 */
export function emitConvKernels(mb: ModuleBuilder): void {
  const zero = emitZero(mb);
  const copy = emitCopyRun(mb);
  const add = emitAddRun(mb);
  for (const dir of ['im2col', 'col2im'] as const) {
    mb.func(`conv_${dir}`, [i32], [], (f) => {
      const [job] = f.params;
      const field = (name: keyof typeof ConvJob) => f.get(job).i32Load(ConvJob[name] * 4);
      const [C, H, W, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw, cg, colStride, total] = locals(f, 16);
      const [item, n, c, plane, rowBase, i, j, off, x0, x1, y, iy, dst, src, tmp] = locals(f, 15);
      const named: [Local, keyof typeof ConvJob][] = [
        [C, 'channels'], [H, 'h'], [W, 'w'], [oh, 'oh'], [ow, 'ow'], [kh, 'kh'], [kw, 'kw'], [sh, 'sh'], [sw, 'sw'],
        [ph, 'ph'], [pw, 'pw'], [dh, 'dh'], [dw, 'dw'], [cg, 'cg'], [colStride, 'colStride'],
      ];
      for (const [l, name] of named) field(name).set(l);
      field('images').get(C).i32Mul().set(total);

      claimLoopTotal(f, job, ConvJob.next, ConvJob.done, total, item, () => {
        f.get(item).get(C).i32DivU().set(n);
        f.get(item).get(C).i32RemU().set(c);
        field('image').get(item).get(H).i32Mul().get(W).i32Mul().i32(4).i32Mul().i32Add().set(plane);
        // rowBase = cols + ((n*groups + c/cg)*groupRows + (c%cg)*kh*kw) * colStride
        field('cols');
        f.get(n).get(job).i32Load(ConvJob.groups * 4).i32Mul().get(c).get(cg).i32DivU().i32Add();
        field('groupRows').i32Mul();
        f.get(c).get(cg).i32RemU().get(kh).i32Mul().get(kw).i32Mul().i32Add();
        f.get(colStride).i32Mul().i32Add().set(rowBase);
        if (dir === 'col2im') f.get(plane).get(H).get(W).i32Mul().call(zero);

        f.forRange(i, () => f.i32(0), kh, 1, () => {
          f.forRange(j, () => f.i32(0), kw, 1, () => {
            // Input column of output column x is x*sw + off; valid x are [x0, x1).
            f.get(j).get(dw).i32Mul().get(pw).i32Sub().set(off);
            f.get(off).i32(0).i32GeS().ifElse(
              () => f.i32(0).set(x0),
              () => f.i32(0).get(off).i32Sub().get(sw).i32Add().i32(1).i32Sub().get(sw).i32DivU().set(x0),
            );
            minTo(f, x0, ow, x0);
            f.get(W).get(off).i32Sub().tee(tmp).i32(0).i32LeS().ifElse(
              () => f.i32(0).set(x1),
              () => f.get(tmp).get(sw).i32Add().i32(1).i32Sub().get(sw).i32DivU().set(x1),
            );
            minTo(f, x1, ow, x1);
            // x1 = max(x1, x0)
            f.get(x1).get(x0).get(x1).get(x0).i32GtS().select().set(x1);
            f.forRange(y, () => f.i32(0), oh, 1, () => {
              f.get(y).get(sh).i32Mul().get(ph).i32Sub().get(i).get(dh).i32Mul().i32Add().set(iy);
              // Patch row element (y, x) lives at rowBase + (y*ow + x)*4.
              f.get(rowBase).get(y).get(ow).i32Mul().i32(4).i32Mul().i32Add().set(dst);
              f.get(iy).get(H).i32LtU().ifElse(
                () => {
                  f.get(plane).get(iy).get(W).i32Mul().get(x0).get(sw).i32Mul().i32Add().get(off).i32Add().i32(4).i32Mul().i32Add().set(src);
                  if (dir === 'im2col') {
                    f.get(dst).get(x0).call(zero);
                    f.get(dst).get(x0).i32(4).i32Mul().i32Add().get(src).get(x1).get(x0).i32Sub().get(sw).call(copy);
                    f.get(dst).get(x1).i32(4).i32Mul().i32Add().get(ow).get(x1).i32Sub().call(zero);
                  } else {
                    f.get(dst).get(x0).i32(4).i32Mul().i32Add().get(src).get(x1).get(x0).i32Sub().get(sw).call(add);
                  }
                },
                dir === 'im2col' ? () => void f.get(dst).get(ow).call(zero) : undefined,
              );
            });
            f.get(rowBase).get(colStride).i32Add().set(rowBase);
          });
        });
      });
    });
  }
}

/** `conv_zero(dst, count)`: count floats of zeros. */
function emitZero(mb: ModuleBuilder): number {
  return mb.func('conv_zero', [i32, i32], [], (f) => {
    const [dst, count] = f.params;
    const [end, vecEnd] = locals(f, 2);
    f.get(dst).get(count).i32(4).i32Mul().i32Add().set(end);
    f.get(dst).get(count).i32(-4).i32And().i32(4).i32Mul().i32Add().set(vecEnd);
    whileBelow(f, dst, vecEnd, () => {
      f.get(dst).v128f32(0).v128Store();
      f.inc(dst, 16);
    });
    whileBelow(f, dst, end, () => {
      f.get(dst).f32(0).f32Store();
      f.inc(dst, 4);
    });
  }, { exported: false });
}

/** `conv_copy(dst, src, count, srcStep)`: dst[k] = src[k*srcStep] for k < count (v128 when srcStep is 1). */
function emitCopyRun(mb: ModuleBuilder): number {
  return mb.func('conv_copy', [i32, i32, i32, i32], [], (f) => {
    const [dst, src, count, step] = f.params;
    const [end, vecEnd, stepBytes] = locals(f, 3);
    f.get(dst).get(count).i32(4).i32Mul().i32Add().set(end);
    f.get(step).i32(1).i32Eq().ifElse(() => {
      f.get(dst).get(count).i32(-4).i32And().i32(4).i32Mul().i32Add().set(vecEnd);
      whileBelow(f, dst, vecEnd, () => {
        f.get(dst).get(src).v128Load().v128Store();
        f.inc(dst, 16);
        f.inc(src, 16);
      });
    });
    f.get(step).i32(4).i32Mul().set(stepBytes);
    whileBelow(f, dst, end, () => {
      f.get(dst).get(src).f32Load().f32Store();
      f.inc(dst, 4);
      f.get(src).get(stepBytes).i32Add().set(src);
    });
  }, { exported: false });
}

/** `conv_add(src, dst, count, dstStep)`: dst[k*dstStep] += src[k] for k < count (v128 when dstStep is 1). */
function emitAddRun(mb: ModuleBuilder): number {
  return mb.func('conv_add', [i32, i32, i32, i32], [], (f) => {
    const [src, dst, count, step] = f.params;
    const [end, vecEnd, stepBytes] = locals(f, 3);
    f.get(src).get(count).i32(4).i32Mul().i32Add().set(end);
    f.get(step).i32(1).i32Eq().ifElse(() => {
      f.get(src).get(count).i32(-4).i32And().i32(4).i32Mul().i32Add().set(vecEnd);
      whileBelow(f, src, vecEnd, () => {
        f.get(dst).get(dst).v128Load().get(src).v128Load().f32x4Add().v128Store();
        f.inc(dst, 16);
        f.inc(src, 16);
      });
    });
    f.get(step).i32(4).i32Mul().set(stepBytes);
    whileBelow(f, src, end, () => {
      f.get(dst).get(dst).f32Load().get(src).f32Load().f32Add().f32Store();
      f.inc(src, 4);
      f.get(dst).get(stepBytes).i32Add().set(dst);
    });
  }, { exported: false });
}

/** `while (p < end) body()` on byte addresses (unsigned compare). */
function whileBelow(f: FunctionBuilder, p: Local, end: Local, body: () => void): void {
  f.block((exit) => {
    f.get(p).get(end).i32GeU().brIf(exit);
    f.loop((top) => {
      body();
      f.get(p).get(end).i32LtU().brIf(top);
    });
  });
}
