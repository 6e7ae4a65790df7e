import type { FunctionBuilder, Local } from '../emitter/function-builder.js';
import { locals, minTo } from '../emitter/i32-locals.js';
import type { ModuleBuilder } from '../emitter/module-builder.js';
import { ValType } from '../emitter/opcodes.js';
import { GemmJob } from '../gemm/gemm-plan.js';
import { emitPackPanel } from '../gemm/gemm-pack.js';
import { ConvJob } from './conv-job.js';

const { i32 } = ValType;
/** Row offset of a panel lane past the last output pixel: every tap of it reads as padding. */
const OUTSIDE = -(1 << 28);

/** Name of the exported implicit-GEMM packing phase. */
export const CONV_PACK_PHASE = 'conv_pack';

/**
 * Emits `conv_pack(job)`, the packing phase of an implicit-GEMM conv forward: it writes the GEMM's
 * packed A panels from the weights and its packed B panels ([K/kc][nPad/nr][kc][nr], as gemm_pack
 * would from a patch matrix) straight from the image, so the patch matrix is never materialised.
 * A B panel is nr consecutive output pixels; for each patch row (channel, tap) its nr values are
 * two v128 copies when the pixels share an output row, the stride is 1 and the tap stays inside
 * the image, else a per-lane load or zero.
 */
export function emitConvPack(mb: ModuleBuilder, mr: number, nr: number): void {
  if (nr !== 8) throw new RangeError(`conv pack: nr=${nr}, the patch panels are written for nr = 8`);
  const packA = emitPackPanel(mb, mr);
  const patches = emitPatchPanel(mb, nr);
  mb.func(CONV_PACK_PHASE, [i32], [], (f) => {
    const [job] = f.params;
    const gemm = (name: keyof typeof GemmJob) => f.get(job).i32Load(GemmJob[name] * 4);
    const [k, kc, mPad, aPanels, bPanels, aTotal, total, chunk, idx, end, start, batch, p, valid, src, k0, kcur] = locals(f, 17);
    gemm('k').set(k);
    gemm('kc').set(kc);
    gemm('mPad').tee(mPad).i32(mr).i32DivU().set(aPanels);
    gemm('nPad').i32(nr).i32DivU().set(bPanels);
    gemm('aBatches').get(aPanels).i32Mul().set(aTotal);
    gemm('bBatches').get(bPanels).i32Mul().get(aTotal).i32Add().set(total);
    gemm('packChunk').set(chunk);
    f.block((done) => {
      f.loop((claim) => {
        f.get(job).get(chunk).i32AtomicAdd(GemmJob.packNext * 4).tee(idx).get(total).i32GeS().brIf(done);
        f.get(idx).set(start);
        f.get(idx).get(chunk).i32Add().set(end);
        minTo(f, end, total, end);
        f.loop((each) => {
          f.get(idx).get(aTotal).i32LtS().ifElse(
            () => {
              // A panel p of batch `batch`: mr weight rows, K-blocked like gemm_pack's.
              f.get(idx).get(aPanels).i32DivU().set(batch);
              f.get(idx).get(aPanels).i32RemU().set(p);
              gemm('m').get(p).i32(mr).i32Mul().i32Sub().set(valid);
              f.i32(mr).get(valid).i32(mr).get(valid).i32LtS().select().set(valid);
              gemm('aRaw').get(batch).get(job).i32Load(GemmJob.aRawBatch * 4).i32Mul().i32Add();
              f.get(p).i32(mr).i32Mul().get(job).i32Load(GemmJob.aRowStride * 4).i32Mul().i32Add().set(src);
              f.forRange(k0, () => f.i32(0), k, 0, () => {
                f.get(k).get(k0).i32Sub().set(kcur);
                minTo(f, kcur, kc, kcur);
                f.get(src).get(k0).get(job).i32Load(GemmJob.aKStride * 4).i32Mul().i32Add();
                gemm('aRowStride').get(job).i32Load(GemmJob.aKStride * 4).get(valid).get(kcur);
                gemm('aPack').get(batch).get(mPad).i32Mul().get(k).i32Mul().get(k0).get(mPad).i32Mul().i32Add();
                f.get(p).i32(mr).i32Mul().get(kcur).i32Mul().i32Add().i32(4).i32Mul().i32Add();
                f.call(packA);
                f.get(k0).get(kc).i32Add().set(k0);
              });
            },
            () => {
              f.get(idx).get(aTotal).i32Sub().tee(p).get(bPanels).i32DivU().set(batch);
              f.get(job).get(batch).get(p).get(bPanels).i32RemU().call(patches);
            },
          );
          f.get(idx).i32(1).i32Add().tee(idx).get(end).i32LtS().brIf(each);
        });
        // Count the chunk done only after its stores, so a thread seeing the total sees the data.
        f.get(job).get(end).get(start).i32Sub().i32AtomicAdd(GemmJob.packDone * 4).drop();
        f.br(claim);
      });
    });
  });
}

/** `conv_patch_panel(job, b, p)`: packed B panel p (nr output pixels) of GEMM batch b = image * groups + group. */
function emitPatchPanel(mb: ModuleBuilder, nr: number): number {
  return mb.func('conv_patch_panel', [i32, i32, i32], [], (f) => {
    const [job, b, p] = f.params;
    const conv = (name: keyof typeof ConvJob) => f.get(job).i32Load(ConvJob[name] * 4);
    const gemm = (name: keyof typeof GemmJob) => f.get(job).i32Load(GemmJob[name] * 4);
    const [H, W, ow, kh, kw, dh, dw, k, kc, nPad, plane, l0, y, x0, fast, dst, k0, kcur, kk, i, j, idh, jdw, chan, iy, ix, src, planeBytes] = locals(f, 28);
    const rowq: Local[] = locals(f, nr);
    const colq: Local[] = locals(f, nr);
    conv('h').set(H);
    conv('w').set(W);
    conv('ow').set(ow);
    conv('kh').set(kh);
    conv('kw').set(kw);
    conv('dh').set(dh);
    conv('dw').set(dw);
    gemm('k').set(k);
    gemm('kc').set(kc);
    gemm('nPad').set(nPad);
    f.get(H).get(W).i32Mul().i32(4).i32Mul().set(planeBytes);
    // First channel of the group: image + ((b / groups) * C + (b % groups) * cg) * H*W floats.
    conv('image');
    f.get(b).get(job).i32Load(ConvJob.groups * 4).i32DivU().get(job).i32Load(ConvJob.channels * 4).i32Mul();
    f.get(b).get(job).i32Load(ConvJob.groups * 4).i32RemU().get(job).i32Load(ConvJob.cg * 4).i32Mul().i32Add();
    f.get(planeBytes).i32Mul().i32Add().set(plane);
    f.get(p).i32(nr).i32Mul().tee(l0).get(ow).i32DivU().set(y);
    f.get(l0).get(ow).i32RemU().set(x0);
    // Fast panels: one output row, stride 1 (then lane q reads input column x0 + q - pw + j*dw).
    f.get(x0).i32(nr).i32Add().get(ow).i32LeS().get(job).i32Load(ConvJob.sw * 4).i32(1).i32Eq().i32And().set(fast);
    // Per lane: input row and column of tap (0, 0); lanes past the last pixel read as padding.
    for (let lane = 0; lane < nr; lane++) {
      f.get(l0).i32(lane).i32Add().get(job).i32Load(GemmJob.n * 4).i32LtS().ifElse(
        () => {
          f.get(l0).i32(lane).i32Add().get(ow).i32DivU().get(job).i32Load(ConvJob.sh * 4).i32Mul().get(job).i32Load(ConvJob.ph * 4).i32Sub().set(rowq[lane]);
          f.get(l0).i32(lane).i32Add().get(ow).i32RemU().get(job).i32Load(ConvJob.sw * 4).i32Mul().get(job).i32Load(ConvJob.pw * 4).i32Sub().set(colq[lane]);
        },
        () => f.i32(OUTSIDE).set(rowq[lane]).i32(0).set(colq[lane]),
      );
    }
    f.i32(0).set(i);
    f.i32(0).set(j);
    f.i32(0).set(idh);
    f.i32(0).set(jdw);
    f.get(plane).set(chan);
    f.forRange(k0, () => f.i32(0), k, 0, () => {
      f.get(k).get(k0).i32Sub().set(kcur);
      minTo(f, kcur, kc, kcur);
      gemm('bPack').get(b).get(nPad).i32Mul().get(k).i32Mul().get(k0).get(nPad).i32Mul().i32Add();
      f.get(p).i32(nr).i32Mul().get(kcur).i32Mul().i32Add().i32(4).i32Mul().i32Add().set(dst);
      f.forRange(kk, () => f.i32(0), kcur, 1, () => {
        f.get(fast).ifElse(
          () => {
            f.get(rowq[0]).get(idh).i32Add().tee(iy).get(H).i32LtU().ifElse(
              () => {
                f.get(colq[0]).get(jdw).i32Add().set(ix);
                f.get(chan).get(iy).get(W).i32Mul().get(ix).i32Add().i32(4).i32Mul().i32Add().set(src);
                f.get(ix).i32(0).i32GeS().get(ix).i32(nr).i32Add().get(W).i32LeS().i32And().ifElse(
                  () => {
                    for (let v = 0; v < nr / 4; v++) f.get(dst).get(src).v128Load(v * 16).v128Store(v * 16);
                  },
                  () => {
                    // Border panel: load every lane and keep the ones inside the row. The stray loads stay
                    // within nr floats of the image, which the host places before other buffers.
                    for (let lane = 0; lane < nr; lane++) {
                      f.get(dst);
                      f.get(src).f32Load(lane * 4).f32(0).get(ix).i32(lane).i32Add().get(W).i32LtU().select();
                      f.f32Store(lane * 4);
                    }
                  },
                );
              },
              () => {
                for (let v = 0; v < nr / 4; v++) f.get(dst).v128f32(0).v128Store(v * 16);
              },
            );
          },
          () => {
            for (let lane = 0; lane < nr; lane++) {
              f.get(rowq[lane]).get(idh).i32Add().tee(iy).get(H).i32LtU();
              f.get(colq[lane]).get(jdw).i32Add().tee(ix).get(W).i32LtU().i32And().ifElse(
                () => f.get(dst).get(chan).get(iy).get(W).i32Mul().get(ix).i32Add().i32(4).i32Mul().i32Add().f32Load().f32Store(lane * 4),
                () => f.get(dst).f32(0).f32Store(lane * 4),
              );
            }
          },
        );
        f.inc(dst, nr * 4);
        nextTap(f, { i, j, idh, jdw, chan, kh, kw, dh, dw, planeBytes });
      });
      f.get(k0).get(kc).i32Add().set(k0);
    });
  }, { exported: false });
}

/** Steps (channel, i, j) to the next patch row: j fastest, then i, then the channel plane. */
function nextTap(f: FunctionBuilder, l: Record<'i' | 'j' | 'idh' | 'jdw' | 'chan' | 'kh' | 'kw' | 'dh' | 'dw' | 'planeBytes', Local>): void {
  f.get(l.j).i32(1).i32Add().tee(l.j).get(l.kw).i32LtS().ifElse(
    () => f.get(l.jdw).get(l.dw).i32Add().set(l.jdw),
    () => {
      f.i32(0).set(l.j);
      f.i32(0).set(l.jdw);
      f.get(l.i).i32(1).i32Add().tee(l.i).get(l.kh).i32LtS().ifElse(
        () => f.get(l.idh).get(l.dh).i32Add().set(l.idh),
        () => {
          f.i32(0).set(l.i);
          f.i32(0).set(l.idh);
          f.get(l.chan).get(l.planeBytes).i32Add().set(l.chan);
        },
      );
    },
  );
}
