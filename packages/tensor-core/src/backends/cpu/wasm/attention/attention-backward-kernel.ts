import type { FunctionBuilder, Local } from '../emitter/function-builder.js';
import type { ModuleBuilder } from '../emitter/module-builder.js';
import { ValType } from '../emitter/opcodes.js';
import { simdExp } from '../math/simd-exp.js';
import { AttnBwdJob } from './attention-backward-host.js';
import { claimLoopTotal, locals, minTo } from '../emitter/i32-locals.js';
import type { AttentionPackFns } from './attention-pack.js';

const { i32, f32, v128 } = ValType;

/**
 * Emits `attn_bwd_pack(job)` and `attn_bwd_compute(job)`: the fused attention backward, one
 * head per work item (so its dK / dV accumulate without races). Per block of query rows and
 * block of keys it recomputes P = exp(S - lse) from the forward's logsumexp, then
 * dV += P^T dO, dP = dO V^T, dS = P (dP - rowsum(dO o O)), dK += dS^T Q, dQ += dS K
 * (dQ, dK scaled at the end), all five products on the 4x8 micro-kernel; only dS is
 * transposed explicitly. Memory per thread is O(block^2 + seqK x headDim).
 */
export function emitAttentionBackward(mb: ModuleBuilder, ukernel: number, pack: AttentionPackFns, relaxed: boolean): void {
  mb.func('attn_bwd_pack', [i32], [], (f) => {
    const [job] = f.params;
    const fld = (name: keyof typeof AttnBwdJob) => f.get(job).i32Load(AttnBwdJob[name] * 4);
    const [h, d, dp, bc, sk, kpad, total] = locals(f, 7);
    fld('d').set(d);
    fld('dp').set(dp);
    fld('bc').set(bc);
    fld('sk').set(sk);
    fld('kBlocks').get(bc).i32Mul().set(kpad);
    fld('bh').set(total);
    const src = (name: 'k' | 'v') => fld(name).get(h).get(sk).i32Mul().get(d).i32Mul().i32(4).i32Mul().i32Add();
    claimLoopTotal(f, job, AttnBwdJob.packNext, AttnBwdJob.packDone, total, h, () => {
      src('k');
      fld('kt').get(h).get(kpad).i32Mul().get(d).i32Mul().i32(4).i32Mul().i32Add();
      f.get(sk).get(d).get(bc).get(kpad).call(pack.transposedBlocks);
      src('v');
      fld('vt').get(h).get(kpad).i32Mul().get(d).i32Mul().i32(4).i32Mul().i32Add();
      f.get(sk).get(d).get(bc).get(kpad).call(pack.transposedBlocks);
      src('k');
      fld('kp').get(h).get(kpad).i32Mul().get(dp).i32Mul().i32(4).i32Mul().i32Add();
      f.get(sk).get(d).get(dp).get(kpad).call(pack.paddedRows);
    });
  });

  mb.func('attn_bwd_compute', [i32], [], (f) => {
    const [job] = f.params;
    const fld = (name: keyof typeof AttnBwdJob) => f.get(job).i32Load(AttnBwdJob[name] * 4);
    const [d, dp, br, bc, sq, sk, qBlocks, kBlocks, kpad, causal, mask, total] = locals(f, 12);
    const [qt, qp, dot, dop, dRow, lRow, s, dpm, dst, dqb, dka, dva] = locals(f, 12);
    const [h, qb, i0, nq, kb, j0, nk, nk4, i, t, j, ip, jp, p, r, src, src2, n] = locals(f, 18);
    const [scale, acc] = [f.local(f32), f.local(f32)];
    const [sv, pv, li, neg, jv, iv] = Array.from({ length: 6 }, () => f.local(v128));
    const exp = simdExp(f, relaxed);
    /** Pushes base + (sum of terms) * 4. */
    const addr = (base: Local, ...terms: (() => void)[]): FunctionBuilder => {
      f.get(base);
      terms.forEach((term, k) => {
        term();
        if (k > 0) f.i32Add();
      });
      return f.i32(4).i32Mul().i32Add();
    };
    const call = (a: () => void, b: () => void, c: () => void, kc: Local, ldc: Local, accumulate: number, aStep: Local, bStep: Local) => {
      a();
      b();
      c();
      f.get(kc).get(ldc).i32(4).i32Mul().i32(accumulate).get(aStep).i32(4).i32Mul().get(bStep).i32(4).i32Mul();
      f.call(ukernel);
    };

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
    fld('bh').set(total);
    f.get(job).f32Load(AttnBwdJob.scale * 4).set(scale);
    f.v128f32(-Infinity).set(neg);

    // This thread's scratch (floats): QT, dO^T [d][br]; Q, dO [br][dp]; D, lse [br];
    // P, dP/dS [br][bc]; dS^T [bc][br]; dQ block [br][dp]; dK, dV accumulators [kpad][dp].
    f.get(job).i32(1).i32AtomicAdd(AttnBwdJob.slotNext * 4).set(p);
    fld('scratch').get(p).get(job).i32Load(AttnBwdJob.slotBytes * 4).i32Mul().i32Add().set(qt);
    const next = (prev: Local, out: Local, size: () => void) => {
      f.get(prev);
      size();
      f.i32(4).i32Mul().i32Add().set(out);
    };
    next(qt, dot, () => f.get(d).get(br).i32Mul());
    next(dot, qp, () => f.get(d).get(br).i32Mul());
    next(qp, dop, () => f.get(br).get(dp).i32Mul());
    next(dop, dRow, () => f.get(br).get(dp).i32Mul());
    next(dRow, lRow, () => f.get(br));
    next(lRow, s, () => f.get(br));
    next(s, dpm, () => f.get(br).get(bc).i32Mul());
    next(dpm, dst, () => f.get(br).get(bc).i32Mul());
    next(dst, dqb, () => f.get(br).get(bc).i32Mul());
    next(dqb, dka, () => f.get(br).get(dp).i32Mul());
    next(dka, dva, () => f.get(kpad).get(dp).i32Mul());

    claimLoopTotal(f, job, AttnBwdJob.headNext, AttnBwdJob.headDone, total, h, () => {
      // dK, dV accumulators = 0 (dva follows dka, so one loop clears both).
      f.get(kpad).get(dp).i32Mul().i32(2).i32Mul().set(n);
      f.forRange(t, () => f.i32(0), n, 4, () => void addr(dka, () => f.get(t)).v128f32(0).v128Store());
      f.i32(0).set(mask);
      fld('mask').ifElse(() => {
        fld('mask').get(h).get(job).i32Load(AttnBwdJob.maskGroup * 4).i32DivU().get(job).i32Load(AttnBwdJob.maskStride * 4).i32Mul().i32Add().set(mask);
      });

      f.forRange(qb, () => f.i32(0), qBlocks, 1, () => {
        f.get(qb).get(br).i32Mul().set(i0);
        f.get(sq).get(i0).i32Sub().set(nq);
        minTo(f, nq, br, nq);
        // Q^T (scaled) and dO^T; D = rowsum(dO o O); lse. Rows past sq are zero.
        fld('q').get(h).get(sq).i32Mul().get(i0).i32Add().get(d).i32Mul().i32(4).i32Mul().i32Add().set(src);
        fld('dO').get(h).get(sq).i32Mul().get(i0).i32Add().get(d).i32Mul().i32(4).i32Mul().i32Add().set(src2);
        fld('o').get(h).get(sq).i32Mul().get(i0).i32Add().get(d).i32Mul().i32(4).i32Mul().i32Add().set(r);
        f.forRange(i, () => f.i32(0), br, 1, () => {
          f.f32(0).set(acc);
          f.forRange(t, () => f.i32(0), d, 1, () => {
            f.get(i).get(nq).i32LtS().ifElse(
              () => {
                addr(qt, () => f.get(t).get(br).i32Mul(), () => f.get(i));
                addr(src, () => f.get(i).get(d).i32Mul(), () => f.get(t)).f32Load().get(scale).f32Mul().f32Store();
                addr(dot, () => f.get(t).get(br).i32Mul(), () => f.get(i));
                addr(src2, () => f.get(i).get(d).i32Mul(), () => f.get(t)).f32Load().f32Store();
                f.get(acc);
                addr(src2, () => f.get(i).get(d).i32Mul(), () => f.get(t)).f32Load();
                addr(r, () => f.get(i).get(d).i32Mul(), () => f.get(t)).f32Load();
                f.f32Mul().f32Add().set(acc);
              },
              () => {
                addr(qt, () => f.get(t).get(br).i32Mul(), () => f.get(i)).f32(0).f32Store();
                addr(dot, () => f.get(t).get(br).i32Mul(), () => f.get(i)).f32(0).f32Store();
              },
            );
          });
          addr(dRow, () => f.get(i)).get(acc).f32Store();
          addr(lRow, () => f.get(i));
          f.get(i).get(nq).i32LtS().ifElse(
            () => void fld('lse').get(h).get(sq).i32Mul().get(i0).i32Add().get(i).i32Add().i32(4).i32Mul().i32Add().f32Load(),
            () => void f.f32(0),
            f32,
          );
          f.f32Store();
        });
        f.get(src).get(qp).get(nq).get(d).get(dp).get(br).call(pack.paddedRows);
        f.get(src2).get(dop).get(nq).get(d).get(dp).get(br).call(pack.paddedRows);
        f.get(br).get(dp).i32Mul().set(n);
        f.forRange(t, () => f.i32(0), n, 4, () => void addr(dqb, () => f.get(t)).v128f32(0).v128Store());

        f.block((keysDone) => {
          f.forRange(kb, () => f.i32(0), kBlocks, 1, () => {
            f.get(kb).get(bc).i32Mul().set(j0);
            f.get(causal).ifElse(() => {
              f.get(j0).get(i0).get(nq).i32Add().i32(1).i32Sub().i32GtS().brIf(keysDone);
            });
            f.get(sk).get(j0).i32Sub().set(nk);
            minTo(f, nk, bc, nk);
            f.get(nk).i32(3).i32Add().i32(-4).i32And().set(nk4);
            const ktBlock = () => fld('kt').get(h).get(kpad).i32Mul().get(j0).i32Add().get(d).i32Mul().i32(4).i32Mul().i32Add();
            const vtBlock = () => fld('vt').get(h).get(kpad).i32Mul().get(j0).i32Add().get(d).i32Mul().i32(4).i32Mul().i32Add();

            // S = (scale Q) K^T: rows i in fours, keys j in eights.
            f.forRange(ip, () => f.i32(0), br, 4, () => {
              f.forRange(jp, () => f.i32(0), bc, 8, () => {
                call(() => addr(qt, () => f.get(ip)), () => {
                  ktBlock();
                  f.get(jp).i32(4).i32Mul().i32Add();
                }, () => addr(s, () => f.get(ip).get(bc).i32Mul(), () => f.get(jp)), d, bc, 0, br, bc);
              });
            });
            // P = exp(S + mask - lse), -inf above the diagonal when causal, 0 for keys past sk.
            f.forRange(i, () => f.i32(0), br, 1, () => {
              addr(lRow, () => f.get(i)).v128Load32Splat().set(li);
              f.get(i0).get(i).i32Add().f32ConvertI32S().f32x4Splat().set(iv);
              f.forRange(j, () => f.i32(0), bc, 4, () => {
                addr(s, () => f.get(i).get(bc).i32Mul(), () => f.get(j)).set(p);
                f.get(p).v128Load().set(sv);
                f.get(mask).ifElse(() => {
                  // A full vector of the mask row; lanes past sk read the next row or slack and are zeroed below.
                  f.get(sv);
                  addr(mask, () => f.get(i0).get(i).i32Add().get(sk).i32Mul(), () => f.get(j0), () => f.get(j)).v128Load();
                  f.f32x4Add().set(sv);
                });
                f.get(j0).get(j).i32Add().f32ConvertI32S().f32x4Splat().v128f32(0, 1, 2, 3).f32x4Add().set(jv);
                f.get(causal).ifElse(() => {
                  f.get(neg).get(sv).get(jv).get(iv).f32x4Gt().v128Bitselect().set(sv);
                });
                f.get(sv).get(li).f32x4Sub().set(sv);
                exp(sv, pv);
                // keep lanes with key index < sk
                f.get(p).get(pv).get(jv).get(sk).f32ConvertI32S().f32x4Splat().f32x4Lt().v128And().v128Store();
              });
            });
            // dV[j] += sum_i P[i][j] dO[i]
            f.forRange(jp, () => f.i32(0), nk4, 4, () => {
              f.forRange(t, () => f.i32(0), dp, 8, () => {
                call(() => addr(s, () => f.get(jp)), () => addr(dop, () => f.get(t)), () => addr(dva, () => f.get(j0).get(jp).i32Add().get(dp).i32Mul(), () => f.get(t)), nq, dp, 1, bc, dp);
              });
            });
            // dP = dO V^T
            f.forRange(ip, () => f.i32(0), br, 4, () => {
              f.forRange(jp, () => f.i32(0), bc, 8, () => {
                call(() => addr(dot, () => f.get(ip)), () => {
                  vtBlock();
                  f.get(jp).i32(4).i32Mul().i32Add();
                }, () => addr(dpm, () => f.get(ip).get(bc).i32Mul(), () => f.get(jp)), d, bc, 0, br, bc);
              });
            });
            // dS = P (dP - D), in place of dP
            f.forRange(i, () => f.i32(0), br, 1, () => {
              addr(dRow, () => f.get(i)).v128Load32Splat().set(li);
              f.forRange(j, () => f.i32(0), bc, 4, () => {
                addr(dpm, () => f.get(i).get(bc).i32Mul(), () => f.get(j)).tee(p);
                addr(s, () => f.get(i).get(bc).i32Mul(), () => f.get(j)).v128Load();
                f.get(p).v128Load().get(li).f32x4Sub().f32x4Mul().v128Store();
              });
            });
            // dK[j] += sum_i dS[i][j] Q[i]   (scaled at the end)
            f.forRange(jp, () => f.i32(0), nk4, 4, () => {
              f.forRange(t, () => f.i32(0), dp, 8, () => {
                call(() => addr(dpm, () => f.get(jp)), () => addr(qp, () => f.get(t)), () => addr(dka, () => f.get(j0).get(jp).i32Add().get(dp).i32Mul(), () => f.get(t)), nq, dp, 1, bc, dp);
              });
            });
            // dS^T
            f.forRange(i, () => f.i32(0), br, 1, () => {
              f.forRange(j, () => f.i32(0), nk4, 1, () => {
                addr(dst, () => f.get(j).get(br).i32Mul(), () => f.get(i));
                addr(dpm, () => f.get(i).get(bc).i32Mul(), () => f.get(j)).f32Load().f32Store();
              });
            });
            // dQ[i] += sum_j dS^T[j][i] K[j]   (scaled at the end)
            f.forRange(ip, () => f.i32(0), br, 4, () => {
              f.forRange(t, () => f.i32(0), dp, 8, () => {
                call(() => addr(dst, () => f.get(ip)), () => {
                  fld('kp');
                  f.get(h).get(kpad).i32Mul().get(j0).i32Add().get(dp).i32Mul().get(t).i32Add().i32(4).i32Mul().i32Add();
                }, () => addr(dqb, () => f.get(ip).get(dp).i32Mul(), () => f.get(t)), nk, dp, 1, br, dp);
              });
            });
          });
        });

        // dq rows of this block
        fld('dq').get(h).get(sq).i32Mul().get(i0).i32Add().get(d).i32Mul().i32(4).i32Mul().i32Add().set(src);
        f.forRange(i, () => f.i32(0), nq, 1, () => {
          f.forRange(t, () => f.i32(0), d, 1, () => {
            addr(src, () => f.get(i).get(d).i32Mul(), () => f.get(t));
            addr(dqb, () => f.get(i).get(dp).i32Mul(), () => f.get(t)).f32Load().get(scale).f32Mul().f32Store();
          });
        });
      });

      // dk = scale * dK, dv = dV
      fld('dk').get(h).get(sk).i32Mul().get(d).i32Mul().i32(4).i32Mul().i32Add().set(src);
      fld('dv').get(h).get(sk).i32Mul().get(d).i32Mul().i32(4).i32Mul().i32Add().set(src2);
      f.forRange(j, () => f.i32(0), sk, 1, () => {
        f.forRange(t, () => f.i32(0), d, 1, () => {
          addr(src, () => f.get(j).get(d).i32Mul(), () => f.get(t));
          addr(dka, () => f.get(j).get(dp).i32Mul(), () => f.get(t)).f32Load().get(scale).f32Mul().f32Store();
          addr(src2, () => f.get(j).get(d).i32Mul(), () => f.get(t));
          addr(dva, () => f.get(j).get(dp).i32Mul(), () => f.get(t)).f32Load().f32Store();
        });
      });
    });
  });
}
