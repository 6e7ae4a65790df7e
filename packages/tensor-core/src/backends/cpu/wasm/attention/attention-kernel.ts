import type { FunctionBuilder, Local } from '../emitter/function-builder.js';
import type { ModuleBuilder } from '../emitter/module-builder.js';
import { ValType } from '../emitter/opcodes.js';
import { simdExp } from '../math/simd-exp.js';
import { claimLoopTotal, locals, minTo } from '../emitter/i32-locals.js';
import { AttnJob } from './attention-host.js';
import type { AttentionPackFns } from './attention-pack.js';

const { i32, f32, v128 } = ValType;

/**
 * Emits `attn_pack(job)` (per head: K^T in key blocks, V zero-padded) and `attn_compute(job)`
 * (per head and block of query rows): flash-attention style, the scores of one key block at a
 * time, an online softmax (running max m and sum l per query row) and O += P V, so the full
 * [sq, sk] score matrix never exists. Scores are computed transposed, S^T = K Q^T, so the
 * softmax statistics of four query rows live in one v128 and P^T is directly the A operand
 * of P V; both products run on the GEMM micro-kernel (`ukernel`, 4x8, runtime k-steps).
 */
export function emitAttention(mb: ModuleBuilder, ukernel: number, pack: AttentionPackFns, relaxed: boolean): void {
  mb.func('attn_pack', [i32], [], (f) => {
    const [job] = f.params;
    const fld = (name: keyof typeof AttnJob) => f.get(job).i32Load(AttnJob[name] * 4);
    const [h, d, dp, bc, sk, kpad] = locals(f, 6);
    fld('d').set(d);
    fld('dp').set(dp);
    fld('bc').set(bc);
    fld('sk').set(sk);
    fld('kBlocks').get(bc).i32Mul().set(kpad);
    claimLoop(f, job, AttnJob.packNext, AttnJob.packDone, 'bh', h, () => {
      // K^T as panels of 4 keys [kpad/4][d][4] (a key block is a run of bc/4 panels); V
      // zero-padded to [kpad][dp].
      fld('k').get(h).get(sk).i32Mul().get(d).i32Mul().i32(4).i32Mul().i32Add();
      fld('kt').get(h).get(kpad).i32Mul().get(d).i32Mul().i32(4).i32Mul().i32Add();
      f.get(sk).get(d).get(kpad).call(pack.panels4);
      fld('v').get(h).get(sk).i32Mul().get(d).i32Mul().i32(4).i32Mul().i32Add();
      fld('vp').get(h).get(kpad).i32Mul().get(dp).i32Mul().i32(4).i32Mul().i32Add();
      f.get(sk).get(d).get(dp).get(kpad).call(pack.paddedRows);
    });
  });

  mb.func('attn_compute', [i32], [], (f) => {
    const [job] = f.params;
    const fld = (name: keyof typeof AttnJob) => f.get(job).i32Load(AttnJob[name] * 4);
    const [d, dp, br, bc, sq, sk, qBlocks, kBlocks, kpad, causal, slot, qt, st, o, mRow, lRow, aRow] = locals(f, 17);
    const [item, h, qb, i0, nq, kb, j0, nk, i, t, j, jp, ip, p, q, mask, rowsValid] = locals(f, 17);
    const [rowBytes, colBytes, colEnd] = locals(f, 3);
    const scale = f.local(f32);
    const [mv, sv, pv, alpha, msafe, tmp, jv, iv, neg] = Array.from({ length: 9 }, () => f.local(v128));
    const exp = simdExp(f, relaxed);

    fld('d').set(d);
    fld('dp').set(dp);
    fld('br').set(br);
    fld('bc').set(bc);
    fld('sq').set(sq);
    fld('sk').set(sk);
    fld('qBlocks').set(qBlocks);
    fld('kBlocks').set(kBlocks);
    f.get(kBlocks).get(bc).i32Mul().set(kpad);
    fld('causal').set(causal);
    f.get(job).f32Load(AttnJob.scale * 4).set(scale);
    f.v128f32(-Infinity).set(neg);
    // This thread's scratch: QT [br/8][d][8], ST [bc][br], O [br][dp], m/l/alpha [br].
    f.get(job).i32(1).i32AtomicAdd(AttnJob.slotNext * 4).set(slot);
    fld('scratch').get(slot).get(job).i32Load(AttnJob.slotBytes * 4).i32Mul().i32Add().set(qt);
    f.get(qt).get(d).get(br).i32Mul().i32(4).i32Mul().i32Add().set(st);
    f.get(st).get(bc).get(br).i32Mul().i32(4).i32Mul().i32Add().set(o);
    f.get(o).get(br).get(dp).i32Mul().i32(4).i32Mul().i32Add().set(mRow);
    f.get(mRow).get(br).i32(4).i32Mul().i32Add().set(lRow);
    f.get(lRow).get(br).i32(4).i32Mul().i32Add().set(aRow);

    const total = f.local(i32);
    fld('bh').get(qBlocks).i32Mul().set(total);
    claimLoopTotal(f, job, AttnJob.tileNext, AttnJob.tileDone, total, item, () => {
      f.get(item).get(qBlocks).i32DivU().set(h);
      f.get(item).get(qBlocks).i32RemU().set(qb);
      f.get(qb).get(br).i32Mul().set(i0);
      f.get(sq).get(i0).i32Sub().set(nq);
      minTo(f, nq, br, nq);

      // Q^T block, pre-scaled, as panels of 8 queries [br/8][d][8]: scale * Q[h][i0+i][t] (0 past sq).
      fld('q').get(h).get(sq).i32Mul().get(i0).i32Add().get(d).i32Mul().i32(4).i32Mul().i32Add().set(q);
      f.forRange(i, () => f.i32(0), br, 1, () => {
        f.forRange(t, () => f.i32(0), d, 1, () => {
          // panel (i/8), row t, lane i%8
          f.get(qt).get(i).i32(8).i32DivU().get(d).i32Mul().get(t).i32Add().i32(8).i32Mul().get(i).i32(7).i32And().i32Add().i32(4).i32Mul().i32Add();
          f.get(i).get(nq).i32LtS().ifElse(
            () => void f.get(q).get(i).get(d).i32Mul().get(t).i32Add().i32(4).i32Mul().i32Add().f32Load().get(scale).f32Mul(),
            () => void f.f32(0),
            f32,
          );
          f.f32Store();
        });
      });
      // m = -inf, l = 0, O = 0.
      f.forRange(i, () => f.i32(0), br, 4, () => {
        f.get(mRow).get(i).i32(4).i32Mul().i32Add().get(neg).v128Store();
        f.get(lRow).get(i).i32(4).i32Mul().i32Add().v128f32(0).v128Store();
      });
      f.get(br).get(dp).i32Mul().set(p);
      f.forRange(i, () => f.i32(0), p, 4, () => {
        f.get(o).get(i).i32(4).i32Mul().i32Add().v128f32(0).v128Store();
      });
      // Mask rows for this head, if any.
      f.i32(0).set(mask);
      fld('mask').ifElse(() => {
        fld('mask').get(h).get(job).i32Load(AttnJob.maskGroup * 4).i32DivU().get(job).i32Load(AttnJob.maskStride * 4).i32Mul().i32Add();
        f.get(i0).get(sk).i32Mul().i32(4).i32Mul().i32Add().set(mask);
      });

      f.block((keysDone) => {
        f.forRange(kb, () => f.i32(0), kBlocks, 1, () => {
          f.get(kb).get(bc).i32Mul().set(j0);
          // Causal (top-left aligned: key j visible to query i iff j <= i): later blocks are all masked.
          f.get(causal).ifElse(() => {
            f.get(j0).get(i0).get(nq).i32Add().i32(1).i32Sub().i32GtS().brIf(keysDone);
          });
          f.get(sk).get(j0).i32Sub().set(nk);
          minTo(f, nk, bc, nk);
          f.get(nk).i32(3).i32Add().i32(-4).i32And().set(rowsValid);

          // S^T[j][i] = sum_t K^T[t][j] Q^T[t][i], rows j in fours, columns i in eights; both
          // operands are in micro-kernel panels (K^T 4 keys wide, Q^T 8 queries wide), read contiguously.
          f.forRange(jp, () => f.i32(0), rowsValid, 4, () => {
            f.forRange(ip, () => f.i32(0), br, 8, () => {
              // panel (j0 + jp)/4 of K^T starts (j0 + jp)*d floats in
              fld('kt').get(h).get(kpad).i32Mul().get(j0).i32Add().get(jp).i32Add().get(d).i32Mul().i32(4).i32Mul().i32Add();
              f.get(qt).get(ip).get(d).i32Mul().i32(4).i32Mul().i32Add();
              f.get(st).get(jp).get(br).i32Mul().get(ip).i32Add().i32(4).i32Mul().i32Add();
              f.get(d).get(br).i32(4).i32Mul().i32(0).i32(16).i32(32);
              f.call(ukernel);
            });
          });

          // Additive mask and causal masking, four query rows per vector; a causal block whose last
          // key is at or before the block's first query needs no masking.
          f.get(mask).get(causal).get(j0).get(nk).i32Add().i32(1).i32Sub().get(i0).i32GtS().i32And().i32Or();
          f.ifElse(() => f.forRange(j, () => f.i32(0), nk, 1, () => {
            f.get(j0).get(j).i32Add().f32ConvertI32S().f32x4Splat().set(jv);
            f.forRange(i, () => f.i32(0), br, 4, () => {
              f.get(st).get(j).get(br).i32Mul().get(i).i32Add().i32(4).i32Mul().i32Add().set(p);
              f.get(mask).ifElse(() => {
                f.get(p).get(p).v128Load();
                for (let lane = 0; lane < 4; lane++) {
                  // mask[(i0+i+lane)*sk + j0 + j]; rows past sq read slack and are discarded.
                  if (lane === 0) f.v128f32(0);
                  f.get(mask).get(i).i32(lane).i32Add().get(sk).i32Mul().get(j0).i32Add().get(j).i32Add().i32(4).i32Mul().i32Add().f32Load();
                  f.f32x4ReplaceLane(lane);
                }
                f.f32x4Add().v128Store();
              });
              f.get(causal).ifElse(() => {
                f.get(i0).get(i).i32Add().f32ConvertI32S().f32x4Splat().v128f32(0, 1, 2, 3).f32x4Add().set(iv);
                f.get(p).get(neg).get(p).v128Load().get(jv).get(iv).f32x4Gt().v128Bitselect().v128Store();
              });
            });
          }));

          // Online softmax per four rows: new max, rescale factor, P = exp(S - m), row sums.
          // The column of four rows steps through S^T by one row (br floats) per key.
          f.get(br).i32(4).i32Mul().set(rowBytes);
          f.get(nk).get(rowBytes).i32Mul().set(colBytes);
          f.forRange(i, () => f.i32(0), br, 4, () => {
            f.get(mRow).get(i).i32(4).i32Mul().i32Add().v128Load().set(mv);
            f.get(mv).set(tmp);
            f.get(st).get(i).i32(4).i32Mul().i32Add().tee(p).get(colBytes).i32Add().set(colEnd);
            f.block((none) => {
              f.get(p).get(colEnd).i32GeS().brIf(none);
              f.loop((next) => {
                f.get(tmp).get(p).v128Load().f32x4Pmax().set(tmp);
                f.get(p).get(rowBytes).i32Add().tee(p).get(colEnd).i32LtS().brIf(next);
              });
            });
            // Rows with every score so far -inf keep m = -inf; subtract 0 instead so exp gives 0, not NaN.
            f.v128f32(0).get(tmp).get(tmp).get(neg).f32x4Eq().v128Bitselect().set(msafe);
            f.get(mv).get(msafe).f32x4Sub().set(sv);
            exp(sv, alpha);
            f.get(mRow).get(i).i32(4).i32Mul().i32Add().get(tmp).v128Store();
            f.get(aRow).get(i).i32(4).i32Mul().i32Add().get(alpha).v128Store();
            f.v128f32(0).set(mv);
            f.get(st).get(i).i32(4).i32Mul().i32Add().set(p);
            f.block((none) => {
              f.get(p).get(colEnd).i32GeS().brIf(none);
              f.loop((next) => {
                f.get(p).v128Load().get(msafe).f32x4Sub().set(sv);
                exp(sv, pv);
                f.get(p).get(pv).v128Store();
                f.get(mv).get(pv).f32x4Add().set(mv);
                f.get(p).get(rowBytes).i32Add().tee(p).get(colEnd).i32LtS().brIf(next);
              });
            });
            f.get(lRow).get(i).i32(4).i32Mul().i32Add().tee(p);
            f.get(p).v128Load().get(alpha).f32x4Mul().get(mv).f32x4Add().v128Store();
          });

          // O rows *= alpha.
          f.forRange(i, () => f.i32(0), br, 1, () => {
            f.get(aRow).get(i).i32(4).i32Mul().i32Add().v128Load32Splat().set(alpha);
            f.get(o).get(i).get(dp).i32Mul().i32(4).i32Mul().i32Add().set(p);
            f.forRange(t, () => f.i32(0), dp, 4, () => {
              f.get(p).get(t).i32(4).i32Mul().i32Add().tee(q);
              f.get(q).v128Load().get(alpha).f32x4Mul().v128Store();
            });
          });

          // O[i][t] += sum_j P^T[j][i] V[j][t].
          f.forRange(ip, () => f.i32(0), br, 4, () => {
            f.forRange(t, () => f.i32(0), dp, 8, () => {
              f.get(st).get(ip).i32(4).i32Mul().i32Add();
              fld('vp').get(h).get(kpad).i32Mul().get(j0).i32Add().get(dp).i32Mul().get(t).i32Add().i32(4).i32Mul().i32Add();
              f.get(o).get(ip).get(dp).i32Mul().get(t).i32Add().i32(4).i32Mul().i32Add();
              f.get(nk).get(dp).i32(4).i32Mul().i32(1).get(br).i32(4).i32Mul().get(dp).i32(4).i32Mul();
              f.call(ukernel);
            });
          });
        });
      });

      // out = O / l; stats = (m, l).
      fld('out').get(h).get(sq).i32Mul().get(i0).i32Add().get(d).i32Mul().i32(4).i32Mul().i32Add().set(q);
      f.forRange(i, () => f.i32(0), nq, 1, () => {
        f.f32(1).get(lRow).get(i).i32(4).i32Mul().i32Add().f32Load().f32Div().f32x4Splat().set(alpha);
        f.forRange(t, () => f.i32(0), d, 1, () => {
          f.get(q).get(i).get(d).i32Mul().get(t).i32Add().i32(4).i32Mul().i32Add();
          f.get(o).get(i).get(dp).i32Mul().get(t).i32Add().i32(4).i32Mul().i32Add().f32Load();
          f.get(alpha).f32x4ExtractLane(0).f32Mul().f32Store();
        });
        fld('stats').get(h).get(sq).i32Mul().get(i0).i32Add().get(i).i32Add().i32(8).i32Mul().i32Add().set(p);
        f.get(p).get(mRow).get(i).i32(4).i32Mul().i32Add().f32Load().f32Store();
        f.get(p).get(lRow).get(i).i32(4).i32Mul().i32Add().f32Load().f32Store(4);
      });
    });
  });
}

/** Claims heads (or other items) up to the job's `field` count. */
function claimLoop(f: FunctionBuilder, job: Local, next: number, done: number, field: keyof typeof AttnJob, item: Local, body: () => void): void {
  const total = f.local(i32);
  f.get(job).i32Load(AttnJob[field] * 4).set(total);
  claimLoopTotal(f, job, next, done, total, item, body);
}
