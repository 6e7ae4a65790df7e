import type { FunctionBuilder, Local } from '../emitter/function-builder.js';
import type { ModuleBuilder } from '../emitter/module-builder.js';
import { ValType } from '../emitter/opcodes.js';
import { GemmJob } from './gemm-job.js';
import { emitGemmMicroKernel, type MicroKernelConfig } from './gemm-microkernel.js';
import { emitPackPanel } from './gemm-pack.js';

const { i32 } = ValType;

/**
 * Emits the two phases every thread runs for a GEMM job (layout in gemm-job.ts):
 * `gemm_pack(job)` packs A and B into panels, `gemm_compute(job)` computes output tiles.
 * Work items are claimed with atomic counters, so a thread that gets less CPU (the machine is
 * shared) simply takes fewer items instead of holding everyone up.
 */
export function emitGemm(mb: ModuleBuilder, cfg: MicroKernelConfig): void {
  const { mr, nr } = cfg;
  const packA = emitPackPanel(mb, mr);
  const packB = emitPackPanel(mb, nr);
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

    f.block((done) => {
      f.loop((claim) => {
        f.get(job).get(chunk).i32AtomicAdd(GemmJob.packNext * 4).tee(idx).get(total).i32GeS().brIf(done);
        f.get(idx).set(start);
        f.get(idx).get(chunk).i32Add().set(end);
        minTo(f, end, total, end);
        f.loop((each) => {
          f.get(idx).get(aTotal).i32LtS().ifElse(
            () => {
              // A panel p of batch `batch`: rows p*mr.., stored at aPack + idx*k*mr floats.
              f.get(idx).get(aPanels).i32DivU().set(batch);
              f.get(idx).get(aPanels).i32RemU().set(p);
              validRows(f, field, 'm', p, mr, valid);
              field('aRaw');
              f.get(batch).get(job).i32Load(GemmJob.aRawBatch * 4).i32Mul().i32Add();
              f.get(p).i32(mr).i32Mul().get(job).i32Load(GemmJob.aRowStride * 4).i32Mul().i32Add();
              field('aRowStride');
              field('aKStride');
              f.get(valid).get(k);
              field('aPack').get(idx).get(k).i32Mul().i32(mr * 4).i32Mul().i32Add();
              f.call(packA);
            },
            () => {
              f.get(idx).get(aTotal).i32Sub().set(q);
              f.get(q).get(bPanels).i32DivU().set(batch);
              f.get(q).get(bPanels).i32RemU().set(p);
              validRows(f, field, 'n', p, nr, valid);
              field('bRaw');
              f.get(batch).get(job).i32Load(GemmJob.bRawBatch * 4).i32Mul().i32Add();
              f.get(p).i32(nr).i32Mul().get(job).i32Load(GemmJob.bColStride * 4).i32Mul().i32Add();
              field('bColStride');
              field('bKStride');
              f.get(valid).get(k);
              field('bPack').get(q).get(k).i32Mul().i32(nr * 4).i32Mul().i32Add();
              f.call(packB);
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
        // Panel bases: a broadcast operand (1 batch) always uses batch 0.
        field('aPack');
        f.get(b).get(job).i32Load(GemmJob.aBatches * 4).i32RemU().get(mPad).i32Mul().get(i0).i32Add();
        f.get(k).i32Mul().i32(4).i32Mul().i32Add().set(aBase);
        field('bPack');
        f.get(b).get(job).i32Load(GemmJob.bBatches * 4).i32RemU().get(nPad).i32Mul().get(j0).i32Add();
        f.get(k).i32Mul().i32(4).i32Mul().i32Add().set(bBase);
        field('c');
        f.get(b).get(mPad).i32Mul().get(i0).i32Add().get(nPad).i32Mul().get(j0).i32Add();
        f.i32(4).i32Mul().i32Add().set(cBase);

        f.forRange(k0, () => f.i32(0), k, 0, () => {
          f.get(k).get(k0).i32Sub().set(kcur);
          minTo(f, kcur, kc, kcur);
          f.get(k0).i32(0).i32GtS().set(acc);
          f.forRange(jp, () => f.i32(0), cols, nr, () => {
            // B panel jp/nr starts jp*k floats in; its K block k0*nr floats further.
            f.get(bBase).get(jp).get(k).i32Mul().get(k0).i32(nr).i32Mul().i32Add().i32(4).i32Mul().i32Add().set(bp);
            f.forRange(ip, () => f.i32(0), rows, mr, () => {
              f.get(aBase).get(ip).get(k).i32Mul().get(k0).i32(mr).i32Mul().i32Add().i32(4).i32Mul().i32Add();
              f.get(bp);
              f.get(cBase).get(ip).get(nPad).i32Mul().get(jp).i32Add().i32(4).i32Mul().i32Add();
              f.get(kcur).get(ldc).get(acc);
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
