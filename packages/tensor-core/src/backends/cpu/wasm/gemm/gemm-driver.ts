import type { FunctionBuilder, Local } from '../emitter/function-builder.js';
import type { ModuleBuilder } from '../emitter/module-builder.js';
import { ValType } from '../emitter/opcodes.js';
import { GemmJob } from './gemm-plan.js';
import { emitGemmMicroKernel, type MicroKernelConfig } from './gemm-microkernel.js';
import { emitPackPanel } from './gemm-pack.js';

const { i32 } = ValType;

/**
 * Emits the two phases every thread runs for a GEMM job (layout in gemm-plan.ts):
 * `gemm_pack(job)` packs A and B into panels, `gemm_compute(job)` computes output tiles.
 * Work items are claimed with atomic counters, so a thread that gets less CPU (the machine is
 * shared) simply takes fewer items instead of holding everyone up.
 */
export function emitGemm(mb: ModuleBuilder, cfg: MicroKernelConfig): number {
  const { mr, nr } = cfg;
  const packA = emitBlockedPack(mb, mr, emitPackPanel(mb, mr));
  const packB = emitBlockedPack(mb, nr, emitPackPanel(mb, nr));
  const ukernel = emitGemmMicroKernel(mb, cfg);

  mb.func('gemm_pack', [i32], [], (f) => {
    const [job] = f.params;
    const field = (name: keyof typeof GemmJob) => f.get(job).i32Load(GemmJob[name] * 4);
    const [k, aPanels, bPanels, aTotal, total, chunk, idx, end, batch, p, q, valid, start] = locals(f, 13);

    field('k').set(k);
    field('mPad').i32(mr).i32DivU().set(aPanels);
    field('nPad').i32(nr).i32DivU().set(bPanels);
    field('aBatches').get(aPanels).i32Mul().set(aTotal);
    field('bBatches').get(bPanels).i32Mul().get(aTotal).i32Add().set(total);
    field('packChunk').set(chunk);

    // One side's panel: pack_blocked(src, sR, sK, valid, k, kc, dstBatchBase, pad, panel).
    const side = (s: { raw: 'aRaw' | 'bRaw'; rawBatch: 'aRawBatch' | 'bRawBatch'; rowStride: 'aRowStride' | 'bColStride'; kStride: 'aKStride' | 'bKStride'; pack: 'aPack' | 'bPack'; pad: 'mPad' | 'nPad'; extent: 'm' | 'n'; r: number; fn: number; item: Local; panels: Local }) => {
      f.get(s.item).get(s.panels).i32DivU().set(batch);
      f.get(s.item).get(s.panels).i32RemU().set(p);
      validRows(f, field, s.extent, p, s.r, valid);
      field(s.raw);
      f.get(batch);
      field(s.rawBatch).i32Mul().i32Add();
      f.get(p).i32(s.r).i32Mul();
      field(s.rowStride).i32Mul().i32Add();
      field(s.rowStride);
      field(s.kStride);
      f.get(valid).get(k);
      field('kc');
      field(s.pack).get(batch);
      field(s.pad).i32Mul().get(k).i32Mul().i32(4).i32Mul().i32Add();
      field(s.pad);
      f.get(p).call(s.fn);
    };

    f.block((done) => {
      f.loop((claim) => {
        f.get(job).get(chunk).i32AtomicAdd(GemmJob.packNext * 4).tee(idx).get(total).i32GeS().brIf(done);
        f.get(idx).set(start);
        f.get(idx).get(chunk).i32Add().set(end);
        minTo(f, end, total, end);
        f.loop((each) => {
          f.get(idx).get(aTotal).i32LtS().ifElse(
            () => side({ raw: 'aRaw', rawBatch: 'aRawBatch', rowStride: 'aRowStride', kStride: 'aKStride', pack: 'aPack', pad: 'mPad', extent: 'm', r: mr, fn: packA, item: idx, panels: aPanels }),
            () => {
              f.get(idx).get(aTotal).i32Sub().set(q);
              side({ raw: 'bRaw', rawBatch: 'bRawBatch', rowStride: 'bColStride', kStride: 'bKStride', pack: 'bPack', pad: 'nPad', extent: 'n', r: nr, fn: packB, item: q, panels: bPanels });
            },
          );
          f.get(idx).i32(1).i32Add().tee(idx).get(end).i32LtS().brIf(each);
        });
        // Count the chunk done only after its stores, so a thread seeing the total sees the data.
        f.get(job).get(end).get(start).i32Sub();
        f.i32AtomicAdd(GemmJob.packDone * 4).drop();
        f.br(claim);
      });
    });
  });

  mb.func('gemm_compute', [i32], [], (f) => {
    const [job] = f.params;
    const field = (name: keyof typeof GemmJob) => f.get(job).i32Load(GemmJob[name] * 4);
    const [k, mPad, nPad, mc, nc, kc, tilesN, perBatch, total, ldc] = locals(f, 10);
    const [t, b, ti, tj, i0, j0, rows, cols, aBase, bBase, cBase, k0, kcur, acc, jp, ip, bp, tmp] = locals(f, 18);

    field('k').set(k);
    field('mPad').set(mPad);
    field('nPad').set(nPad);
    field('mc').set(mc);
    field('nc').set(nc);
    field('kc').set(kc);
    field('tilesN').set(tilesN);
    field('tilesM').get(tilesN).i32Mul().set(perBatch);
    field('batch').get(perBatch).i32Mul().set(total);
    f.get(nPad).i32(4).i32Mul().set(ldc);

    f.block((done) => {
      f.loop((claim) => {
        f.get(job).i32(1).i32AtomicAdd(GemmJob.tileNext * 4).tee(t).get(total).i32GeS().brIf(done);
        f.get(t).get(perBatch).i32DivU().set(b);
        f.get(t).get(perBatch).i32RemU().tee(tmp).get(tilesN).i32DivU().set(ti);
        f.get(tmp).get(tilesN).i32RemU().set(tj);
        f.get(ti).get(mc).i32Mul().set(i0);
        f.get(tj).get(nc).i32Mul().set(j0);
        f.get(mPad).get(i0).i32Sub().set(rows);
        minTo(f, rows, mc, rows);
        f.get(nPad).get(j0).i32Sub().set(cols);
        minTo(f, cols, nc, cols);
        // Batch bases; a broadcast operand (1 batch) always uses batch 0.
        field('aPack');
        f.get(b).get(job).i32Load(GemmJob.aBatches * 4).i32RemU().get(mPad).i32Mul();
        f.get(k).i32Mul().i32(4).i32Mul().i32Add().set(aBase);
        field('bPack');
        f.get(b).get(job).i32Load(GemmJob.bBatches * 4).i32RemU().get(nPad).i32Mul();
        f.get(k).i32Mul().i32(4).i32Mul().i32Add().set(bBase);
        field('c');
        f.get(b).get(mPad).i32Mul().get(i0).i32Add().get(nPad).i32Mul().get(j0).i32Add();
        f.i32(4).i32Mul().i32Add().set(cBase);

        f.forRange(k0, () => f.i32(0), k, 0, () => {
          f.get(k).get(k0).i32Sub().set(kcur);
          minTo(f, kcur, kc, kcur);
          f.get(k0).i32(0).i32GtS().set(acc);
          f.forRange(jp, () => f.i32(0), cols, nr, () => {
            // K block k0 starts k0*pad floats in; within it, column j's panel starts j*kcur floats in.
            f.get(bBase).get(k0).get(nPad).i32Mul().get(j0).get(jp).i32Add().get(kcur).i32Mul().i32Add().i32(4).i32Mul().i32Add().set(bp);
            f.forRange(ip, () => f.i32(0), rows, mr, () => {
              f.get(aBase).get(k0).get(mPad).i32Mul().get(i0).get(ip).i32Add().get(kcur).i32Mul().i32Add().i32(4).i32Mul().i32Add();
              f.get(bp);
              f.get(cBase).get(ip).get(nPad).i32Mul().get(jp).i32Add().i32(4).i32Mul().i32Add();
              f.get(kcur).get(ldc).get(acc).i32(mr * 4).i32(nr * 4);
              f.call(ukernel);
            });
          });
          f.get(k0).get(kc).i32Add().set(k0);
        });
        f.get(job).i32(1).i32AtomicAdd(GemmJob.tileDone * 4).drop();
        f.br(claim);
      });
    });
  });
  return ukernel;
}

/**
 * Emits `pack_blocked_<r>(src, sR, sK, valid, k, kc, dst, pad, panel)`: packs one r-row panel as
 * K blocks of kc, each block stored with all panels of that block together ([block][panel][kc][r],
 * `pad` rows per block), so the A or B block a tile reads is contiguous and cannot alias in cache.
 */
function emitBlockedPack(mb: ModuleBuilder, r: number, packPanel: number): number {
  return mb.func(
    `pack_blocked_${r}`,
    [i32, i32, i32, i32, i32, i32, i32, i32, i32],
    [],
    (f) => {
      const [src, sR, sK, valid, k, kc, dst, pad, panel] = f.params;
      const [k0, kcur] = locals(f, 2);
      f.forRange(k0, () => f.i32(0), k, 0, () => {
        f.get(k).get(k0).i32Sub().set(kcur);
        minTo(f, kcur, kc, kcur);
        f.get(src).get(k0).get(sK).i32Mul().i32Add();
        f.get(sR).get(sK).get(valid).get(kcur);
        f.get(dst).get(k0).get(pad).i32Mul().get(panel).i32(r).i32Mul().get(kcur).i32Mul().i32Add().i32(4).i32Mul().i32Add();
        f.call(packPanel);
        f.get(k0).get(kc).i32Add().set(k0);
      });
    },
    { exported: false },
  );
}

/** Declares `n` i32 locals. */
function locals(f: FunctionBuilder, n: number): Local[] {
  return Array.from({ length: n }, () => f.local(i32));
}

/** out = min(a, b), signed. */
function minTo(f: FunctionBuilder, a: Local, b: Local, out: Local): void {
  f.get(a).get(b).get(a).get(b).i32LtS().select().set(out);
}

/** valid = min(r, extent - p*r): how many of panel p's rows exist in the unpadded matrix. */
function validRows(
  f: FunctionBuilder,
  field: (name: keyof typeof GemmJob) => FunctionBuilder,
  extent: 'm' | 'n',
  p: Local,
  r: number,
  valid: Local,
): void {
  field(extent).get(p).i32(r).i32Mul().i32Sub().set(valid);
  f.i32(r).get(valid).i32(r).get(valid).i32LtS().select().set(valid);
}
