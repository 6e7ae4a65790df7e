import type { FunctionBuilder, Local } from '../emitter/function-builder.js';
import type { ModuleBuilder } from '../emitter/module-builder.js';
import { ValType } from '../emitter/opcodes.js';
import { simdActivation, UNARY_KERNEL_OPS, type VectorOp } from '../math/simd-activations.js';
import { simdExp } from '../math/simd-exp.js';
import { RowJob } from './row-host.js';

const { i32, f32, f64, v128 } = ValType;

/** Names of the exported row / elementwise phase functions, in emission order. */
export const ROW_PHASES = ['softmax_rows', 'layernorm_rows', 'rmsnorm_rows', ...UNARY_KERNEL_OPS.map((op) => `unary_${op}`)] as const;

/**
 * Emits the row-wise kernels (one pass each over rows claimed in chunks):
 * softmax_rows (max, exp and sum, scale), layernorm_rows and rmsnorm_rows (statistics summed in
 * f64 lanes so long rows keep full f32 accuracy), and one unary_<op> per elementwise op.
 */
export function emitRowKernels(mb: ModuleBuilder, relaxed: boolean): void {
  mb.func('softmax_rows', [i32], [], (f) => {
    const [job] = f.params;
    const exp = simdExp(f, relaxed);
    const [cols, vecEnd, x, o, k] = locals(f, 5);
    const [acc, v, e] = [f.local(v128), f.local(v128), f.local(v128)];
    const mx = f.local(f32);
    const row = f.local(i32);
    f.get(job).i32Load(RowJob.cols * 4).tee(cols).i32(-4).i32And().set(vecEnd);
    forRows(f, job, row, () => {
      rowPointers(f, job, row, cols, x, o);
      // max
      f.v128f32(-Infinity).set(acc);
      f.forRange(k, () => f.i32(0), vecEnd, 4, () => {
        f.get(acc).get(x).get(k).i32(4).i32Mul().i32Add().v128Load().f32x4Pmax().set(acc);
      });
      horizontal(f, acc, 'max');
      f.set(mx);
      f.forRange(k, () => f.get(vecEnd), cols, 1, () => {
        f.get(mx).get(x).get(k).i32(4).i32Mul().i32Add().f32Load().f32Max().set(mx);
      });
      // exp(x - max) and its sum
      f.get(mx).f32x4Splat().set(e);
      f.v128f32(0).set(acc);
      f.forRange(k, () => f.i32(0), vecEnd, 4, () => {
        f.get(x).get(k).i32(4).i32Mul().i32Add().v128Load().get(e).f32x4Sub().set(v);
        exp(v, v);
        f.get(o).get(k).i32(4).i32Mul().i32Add().get(v).v128Store();
        f.get(acc).get(v).f32x4Add().set(acc);
      });
      f.forRange(k, () => f.get(vecEnd), cols, 1, () => {
        f.get(x).get(k).i32(4).i32Mul().i32Add().f32Load().f32x4Splat().get(e).f32x4Sub().set(v);
        exp(v, v);
        f.get(o).get(k).i32(4).i32Mul().i32Add().get(v).f32x4ExtractLane(0).f32Store();
        // only lane 0 is this element: add it to lane 0 of the sum
        f.get(acc).get(acc).f32x4ExtractLane(0).get(v).f32x4ExtractLane(0).f32Add().f32x4ReplaceLane(0).set(acc);
      });
      horizontal(f, acc, 'add');
      f.set(mx);
      f.f32(1).get(mx).f32Div().f32x4Splat().set(e);
      scaleRow(f, o, o, cols, vecEnd, k, e);
    });
  });

  for (const kind of ['layernorm', 'rmsnorm'] as const) {
    mb.func(`${kind}_rows`, [i32], [], (f) => {
      const [job] = f.params;
      const [cols, vecEnd, x, o, k, w, b, row] = locals(f, 8);
      const [v, wv, bv, meanV, rstdV, d] = Array.from({ length: 6 }, () => f.local(v128));
      const [sum, n] = [f.local(f64), f.local(f64)];
      const [mean, rstd] = [f.local(f32), f.local(f32)];
      f.get(job).i32Load(RowJob.cols * 4).tee(cols).i32(-4).i32And().set(vecEnd);
      f.get(cols).f64ConvertI32S().set(n);
      f.get(job).i32Load(RowJob.w * 4).set(w);
      f.get(job).i32Load(RowJob.b * 4).set(b);
      forRows(f, job, row, () => {
        rowPointers(f, job, row, cols, x, o);
        f.f32(0).set(mean);
        if (kind === 'layernorm') {
          sumF64(f, x, cols, vecEnd, k, d, null, sum);
          f.get(sum).get(n).f64Div().f32DemoteF64().set(mean);
        }
        // Sum of squared deviations (layer norm) or of squares (RMS norm).
        f.get(mean).f32x4Splat().set(meanV);
        sumF64(f, x, cols, vecEnd, k, d, meanV, sum);
        f.f64(1).get(sum).get(n).f64Div().get(job).f32Load(RowJob.eps * 4).f64PromoteF32().f64Add().f64Sqrt().f64Div().f32DemoteF64().set(rstd);
        f.get(rstd).f32x4Splat().set(rstdV);
        // out = (x - mean) * rstd * w + b
        const elem = (load: () => void, store: (val: () => void) => void, wLoad: () => void, bLoad: () => void, scalar: boolean) => {
          load();
          if (scalar) f.f32x4Splat();
          f.get(meanV).f32x4Sub().get(rstdV).f32x4Mul().set(v);
          f.get(w).ifElse(() => {
            wLoad();
            if (scalar) f.f32x4Splat();
            f.get(v).f32x4Mul().set(v);
          });
          if (kind === 'layernorm') {
            f.get(b).ifElse(() => {
              bLoad();
              if (scalar) f.f32x4Splat();
              f.get(v).f32x4Add().set(v);
            });
          }
          store(() => f.get(v));
        };
        const at = (base: Local) => f.get(base).get(k).i32(4).i32Mul().i32Add();
        f.forRange(k, () => f.i32(0), vecEnd, 4, () => {
          elem(() => at(x).v128Load(), (val) => { at(o); val(); f.v128Store(); }, () => at(w).v128Load(), () => at(b).v128Load(), false);
        });
        f.forRange(k, () => f.get(vecEnd), cols, 1, () => {
          elem(() => at(x).f32Load(), (val) => { at(o); val(); f.f32x4ExtractLane(0).f32Store(); }, () => at(w).f32Load(), () => at(b).f32Load(), true);
        });
        // Per-row statistics for the backward pass.
        f.get(job).i32Load(RowJob.mean * 4).ifElse(() => {
          f.get(job).i32Load(RowJob.mean * 4).get(row).i32(4).i32Mul().i32Add().get(mean).f32Store();
        });
        f.get(job).i32Load(RowJob.rstd * 4).ifElse(() => {
          f.get(job).i32Load(RowJob.rstd * 4).get(row).i32(4).i32Mul().i32Add().get(rstd).f32Store();
        });
      });
    });
  }

  for (const op of UNARY_KERNEL_OPS) {
    mb.func(`unary_${op}`, [i32], [], (f) => {
      const [job] = f.params;
      const apply: VectorOp = simdActivation(f, op, relaxed);
      const [cols, n, x, o, k, end, vecEnd, row] = locals(f, 8);
      const v = f.local(v128);
      f.get(job).i32Load(RowJob.cols * 4).set(cols);
      f.get(job).i32Load(RowJob.n * 4).set(n);
      forRows(f, job, row, () => {
        // chunk `row` covers elements [row*cols, min(n, (row+1)*cols))
        f.get(row).get(cols).i32Mul().set(k);
        f.get(k).get(cols).i32Add().set(end);
        f.get(end).get(n).get(end).get(n).i32LtS().select().set(end);
        f.get(job).i32Load(RowJob.x * 4).set(x);
        f.get(job).i32Load(RowJob.out * 4).set(o);
        f.get(end).get(k).i32Sub().i32(-4).i32And().get(k).i32Add().set(vecEnd);
        f.forRange(k, () => f.get(k), vecEnd, 4, () => {
          f.get(x).get(k).i32(4).i32Mul().i32Add().v128Load().set(v);
          apply(v, v);
          f.get(o).get(k).i32(4).i32Mul().i32Add().get(v).v128Store();
        });
        f.forRange(k, () => f.get(vecEnd), end, 1, () => {
          f.get(x).get(k).i32(4).i32Mul().i32Add().f32Load().f32x4Splat().set(v);
          apply(v, v);
          f.get(o).get(k).i32(4).i32Mul().i32Add().get(v).f32x4ExtractLane(0).f32Store();
        });
      });
    });
  }
}

function locals(f: FunctionBuilder, n: number): Local[] {
  return Array.from({ length: n }, () => f.local(i32));
}

/** Claims chunks of rows from RowJob.next and runs `body` per row; counts rows done. */
function forRows(f: FunctionBuilder, job: Local, row: Local, body: () => void): void {
  const [rows, chunk, end, start] = locals(f, 4);
  f.get(job).i32Load(RowJob.rows * 4).set(rows);
  f.get(job).i32Load(RowJob.chunk * 4).set(chunk);
  f.block((exit) => {
    f.loop((claim) => {
      f.get(job).get(chunk).i32AtomicAdd(RowJob.next * 4).tee(start).get(rows).i32GeS().brIf(exit);
      f.get(start).get(chunk).i32Add().set(end);
      f.get(end).get(rows).get(end).get(rows).i32LtS().select().set(end);
      f.forRange(row, () => f.get(start), end, 1, body);
      f.get(job).get(end).get(start).i32Sub().i32AtomicAdd(RowJob.done * 4).drop();
      f.br(claim);
    });
  });
}

/** x / o = byte addresses of row `row` in the input and output. */
function rowPointers(f: FunctionBuilder, job: Local, row: Local, cols: Local, x: Local, o: Local): void {
  f.get(row).get(cols).i32Mul().i32(4).i32Mul().set(o);
  f.get(job).i32Load(RowJob.x * 4).get(o).i32Add().set(x);
  f.get(job).i32Load(RowJob.out * 4).get(o).i32Add().set(o);
}

/** Pushes the f32 max or sum of the four lanes of `v`. */
function horizontal(f: FunctionBuilder, v: Local, op: 'max' | 'add'): void {
  for (let lane = 0; lane < 4; lane++) {
    f.get(v).f32x4ExtractLane(lane);
    if (lane > 0) {
      if (op === 'max') f.f32Max();
      else f.f32Add();
    }
  }
}

/** o[k] = x[k] * s for a row. */
function scaleRow(f: FunctionBuilder, x: Local, o: Local, cols: Local, vecEnd: Local, k: Local, s: Local): void {
  f.forRange(k, () => f.i32(0), vecEnd, 4, () => {
    f.get(o).get(k).i32(4).i32Mul().i32Add().get(x).get(k).i32(4).i32Mul().i32Add().v128Load().get(s).f32x4Mul().v128Store();
  });
  f.forRange(k, () => f.get(vecEnd), cols, 1, () => {
    f.get(o).get(k).i32(4).i32Mul().i32Add().get(x).get(k).i32(4).i32Mul().i32Add().f32Load().get(s).f32x4ExtractLane(0).f32Mul().f32Store();
  });
}

/**
 * sum = sum over the row of x (center = null) or (x - center)^2, each f32 lane pair widened to
 * f64 before adding, so the sum carries no f32 accumulation error.
 */
function sumF64(f: FunctionBuilder, x: Local, cols: Local, vecEnd: Local, k: Local, d: Local, center: Local | null, sum: Local): void {
  const acc = f.local(v128);
  f.v128f32(0).set(acc); // two f64 zeros share the bit pattern of four f32 zeros
  f.forRange(k, () => f.i32(0), vecEnd, 4, () => {
    f.get(x).get(k).i32(4).i32Mul().i32Add().v128Load().set(d);
    if (center) f.get(d).get(center).f32x4Sub().tee(d).get(d).f32x4Mul().set(d);
    f.get(acc).get(d).f64x2PromoteLowF32x4().f64x2Add();
    f.get(d).get(d).f32x4Shuffle(2, 3, 0, 1).f64x2PromoteLowF32x4().f64x2Add().set(acc);
  });
  f.get(acc).f64x2ExtractLane(0).get(acc).f64x2ExtractLane(1).f64Add().set(sum);
  f.forRange(k, () => f.get(vecEnd), cols, 1, () => {
    f.get(x).get(k).i32(4).i32Mul().i32Add().f32Load().f32x4Splat().set(d);
    if (center) f.get(d).get(center).f32x4Sub().tee(d).get(d).f32x4Mul().set(d);
    f.get(sum).get(d).f32x4ExtractLane(0).f64PromoteF32().f64Add().set(sum);
  });
}
