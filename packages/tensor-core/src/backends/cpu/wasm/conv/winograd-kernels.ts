import type { FunctionBuilder, Local } from '../emitter/function-builder.js';
import { claimLoopTotal, locals } from '../emitter/i32-locals.js';
import type { ModuleBuilder } from '../emitter/module-builder.js';
import { ValType } from '../emitter/opcodes.js';
import { WinoJob } from './winograd-host.js';

const { i32, v128 } = ValType;

/** Names of the exported Winograd phases: transforms in (inputs and weights), transform out. */
export const WINOGRAD_PHASES = ['wino_in', 'wino_out', 'wino_wgrad_in', 'wino_wgrad_out'] as const;

type Field = (name: keyof typeof WinoJob) => FunctionBuilder;

/**
 * Emits the transform phases of a Winograd F(2x2, 3x3) convolution (descriptor in winograd-host.ts),
 * four tiles per v128 along a tile row:
 * - `wino_in` claims input planes, V = B^T d B per 4x4 tile, then groups of four output channels,
 *   U = G g G^T per 3x3 filter;
 * - `wino_out` claims output planes, Y = A^T M A + bias per tile, interleaving the 2x2 results back into rows.
 * The 16 GEMMs M[xi] = U[xi]^T V[xi] between them run on gemm_pack / gemm_compute: 16 multiplies
 * per 4 outputs instead of 36, which is what lets 128-bit SIMD keep up with 256-bit native code.
 */
export function emitWinogradKernels(mb: ModuleBuilder): void {
  mb.func('wino_in', [i32], [], (f) => {
    const [job] = f.params;
    const field: Field = (name) => f.get(job).i32Load(WinoJob[name] * 4);
    const [planes, total, item] = locals(f, 3);
    field('planes').tee(planes);
    field('quads').i32Add().set(total);
    claimLoopTotal(f, job, WinoJob.inNext, WinoJob.inDone, total, item, () => {
      f.get(item).get(planes).i32LtS().ifElse(
        () => inputPlane(f, field, item),
        () => weightQuad(f, field, item, planes),
      );
    });
  });

  mb.func('wino_out', [i32], [], (f) => {
    const [job] = f.params;
    const field: Field = (name) => f.get(job).i32Load(WinoJob[name] * 4);
    const [total, item] = locals(f, 2);
    field('planes');
    field('cin').i32DivU();
    field('cout').i32Mul().set(total);
    claimLoopTotal(f, job, WinoJob.outNext, WinoJob.outDone, total, item, () => outputPlane(f, field, item));
  });
}

/**
 * Emits the weight-gradient phases: `wino_wgrad_in` transforms input planes (as wino_in) and then
 * output-gradient planes, dyHat = A dy A^T per 2x2 tile; after the 16 GEMMs Mw[xi] = dyHat[xi] V[xi]^T
 * (summed over every tile of every image), `wino_wgrad_out` claims output channels and writes
 * dw = G^T Mw G per filter, four input channels per v128.
 */
export function emitWinogradWeightGrad(mb: ModuleBuilder): void {
  mb.func('wino_wgrad_in', [i32], [], (f) => {
    const [job] = f.params;
    const field: Field = (name) => f.get(job).i32Load(WinoJob[name] * 4);
    const [planes, total, item] = locals(f, 3);
    field('planes').tee(planes);
    field('planes');
    field('cin').i32DivU();
    field('cout').i32Mul().i32Add().set(total);
    claimLoopTotal(f, job, WinoJob.inNext, WinoJob.inDone, total, item, () => {
      f.get(item).get(planes).i32LtS().ifElse(
        () => inputPlane(f, field, item),
        () => gradPlane(f, field, item, planes),
      );
    });
  });
  mb.func('wino_wgrad_out', [i32], [], (f) => {
    const [job] = f.params;
    const field: Field = (name) => f.get(job).i32Load(WinoJob[name] * 4);
    const [total, item] = locals(f, 2);
    field('cout').set(total);
    claimLoopTotal(f, job, WinoJob.outNext, WinoJob.outDone, total, item, () => filterGrads(f, field, item));
  });
}

/** dyHat[xi][o][p..p+3] = (A dy A^T)[xi] for the 2x2 tiles of output-gradient plane item - planes (image n, channel o). */
function gradPlane(f: FunctionBuilder, field: Field, item: Local, planes: Local): void {
  const [cout, tilesY, tilesX, P, pl, n, o, ty, tx, row, rowBytes, sp, hStride] = locals(f, 13);
  const [a, b, d0, d1, e0, e1] = vlocals(f, 6);
  const z = vlocals(f, 8);
  field('cout').set(cout);
  field('tilesY').set(tilesY);
  field('tilesX').set(tilesX);
  field('p').set(P);
  f.get(item).get(planes).i32Sub().set(pl);
  f.get(pl).get(cout).i32DivU().set(n);
  f.get(pl).get(cout).i32RemU().set(o);
  f.get(tilesX).i32(8).i32Mul().set(rowBytes);
  f.get(cout).get(P).i32Mul().i32(4).i32Mul().set(hStride);
  f.forRange(ty, () => f.i32(0), tilesY, 1, () => {
    f.forRange(tx, () => f.i32(0), tilesX, 4, () => {
      field('dy').get(pl).get(tilesY).i32Mul().i32(2).i32Mul().get(ty).i32(2).i32Mul().i32Add().get(rowBytes).i32Mul().i32Add();
      f.get(tx).i32(8).i32Mul().i32Add().set(row);
      f.get(row).v128Load(0).set(a);
      f.get(row).v128Load(16).set(b);
      f.get(a).get(b).f32x4Shuffle(0, 2, 4, 6).set(d0);
      f.get(a).get(b).f32x4Shuffle(1, 3, 5, 7).set(d1);
      f.get(row).get(rowBytes).i32Add().set(row);
      f.get(row).v128Load(0).set(a);
      f.get(row).v128Load(16).set(b);
      f.get(a).get(b).f32x4Shuffle(0, 2, 4, 6).set(e0);
      f.get(a).get(b).f32x4Shuffle(1, 3, 5, 7).set(e1);
      // Rows of A dy (A = [1 0; 1 1; 1 -1; 0 -1]): z[r][col].
      for (const [col, d, e] of [[0, d0, e0], [1, d1, e1]] as const) {
        f.get(d).set(z[col]);
        f.get(d).get(e).f32x4Add().set(z[2 + col]);
        f.get(d).get(e).f32x4Sub().set(z[4 + col]);
        f.get(e).f32x4Neg().set(z[6 + col]);
      }
      field('dyHat').get(o).get(P).i32Mul().get(n).get(tilesY).i32Mul().get(ty).i32Add().get(tilesX).i32Mul().i32Add().get(tx).i32Add();
      f.i32(4).i32Mul().i32Add().set(sp);
      for (let r = 0; r < 4; r++) {
        const [x0, x1] = [z[2 * r], z[2 * r + 1]];
        for (const emit of [
          () => f.get(x0),
          () => f.get(x0).get(x1).f32x4Add(),
          () => f.get(x0).get(x1).f32x4Sub(),
          () => f.get(x1).f32x4Neg(),
        ]) {
          f.get(sp);
          emit();
          f.v128Store();
          f.get(sp).get(hStride).i32Add().set(sp);
        }
      }
    });
  });
}

/** dw[o][c..c+3] = G^T Mw[., o, c] G (4x4 -> 3x3) for output channel `item`, four input channels at a time. */
function filterGrads(f: FunctionBuilder, field: Field, item: Local): void {
  const [cin, nPad, c, mp, mStride, dst] = locals(f, 6);
  const x = vlocals(f, 16);
  const s = vlocals(f, 12);
  const half = f.local(v128);
  field('cin').set(cin);
  field('nPad').set(nPad);
  field('mPad').get(nPad).i32Mul().i32(4).i32Mul().set(mStride);
  f.v128f32(0.5).set(half);
  f.forRange(c, () => f.i32(0), cin, 4, () => {
    field('m').get(item).get(nPad).i32Mul().get(c).i32Add().i32(4).i32Mul().i32Add().set(mp);
    for (let xi = 0; xi < 16; xi++) {
      f.get(mp).v128Load().set(x[xi]);
      if (xi < 15) f.get(mp).get(mStride).i32Add().set(mp);
    }
    // G^T = [1 .5 .5 0; 0 .5 -.5 0; 0 .5 .5 1] on the rows, then on the columns.
    const gt = (v: (k: number) => Local, out: (r: number) => Local) => {
      f.get(v(1)).get(v(2)).f32x4Add().get(half).f32x4Mul().get(v(0)).f32x4Add().set(out(0));
      f.get(v(1)).get(v(2)).f32x4Sub().get(half).f32x4Mul().set(out(1));
      f.get(v(1)).get(v(2)).f32x4Add().get(half).f32x4Mul().get(v(3)).f32x4Add().set(out(2));
    };
    for (let j = 0; j < 4; j++) gt((k) => x[k * 4 + j], (r) => s[r * 4 + j]);
    field('dw').get(item).get(cin).i32Mul().get(c).i32Add().i32(36).i32Mul().i32Add().set(dst);
    for (let i = 0; i < 3; i++) {
      // Row i of the three filter rows, columns via G^T again; x[] is free to hold them.
      gt((k) => s[i * 4 + k], (col) => x[col]);
      for (let col = 0; col < 3; col++) {
        for (let lane = 0; lane < 4; lane++) f.get(dst).get(x[col]).f32x4ExtractLane(lane).f32Store(lane * 36 + (i * 3 + col) * 4);
      }
    }
  });
}

function vlocals(f: FunctionBuilder, n: number): Local[] {
  return Array.from({ length: n }, () => f.local(v128));
}

/** V[xi][c][p..p+3] = (B^T d B)[xi] for the tiles of input plane `item` (image n, channel c). */
function inputPlane(f: FunctionBuilder, field: Field, item: Local): void {
  const [cin, tilesY, tilesX, P, wp, n, c, plane, ty, tx, base, row, vdst, vStride, sp] = locals(f, 15);
  const t = vlocals(f, 16);
  const [a, b, a2, b2] = vlocals(f, 4);
  field('cin').set(cin);
  field('tilesY').set(tilesY);
  field('tilesX').set(tilesX);
  field('p').set(P);
  field('wp').set(wp);
  f.get(item).get(cin).i32DivU().set(n);
  f.get(item).get(cin).i32RemU().set(c);
  field('xp').get(item);
  field('hp').i32Mul().get(wp).i32Mul().i32(4).i32Mul().i32Add().set(plane);
  f.get(cin).get(P).i32Mul().i32(4).i32Mul().set(vStride);
  f.forRange(ty, () => f.i32(0), tilesY, 1, () => {
    f.forRange(tx, () => f.i32(0), tilesX, 4, () => {
      f.get(plane).get(ty).i32(2).i32Mul().get(wp).i32Mul().get(tx).i32(2).i32Mul().i32Add().i32(4).i32Mul().i32Add().set(base);
      field('v').get(c).get(P).i32Mul().get(n).get(tilesY).i32Mul().get(ty).i32Add().get(tilesX).i32Mul().i32Add().get(tx).i32Add();
      f.i32(4).i32Mul().i32Add().set(vdst);
      f.get(base).set(row);
      for (let r = 0; r < 4; r++) {
        // Lane q of Dj is column 2q + j of the row: tiles overlap by two columns.
        f.get(row).v128Load(0).set(a);
        f.get(row).v128Load(16).set(b);
        f.get(row).v128Load(8).set(a2);
        f.get(row).v128Load(24).set(b2);
        const d0 = () => f.get(a).get(b).f32x4Shuffle(0, 2, 4, 6);
        const d1 = () => f.get(a).get(b).f32x4Shuffle(1, 3, 5, 7);
        const d2 = () => f.get(a2).get(b2).f32x4Shuffle(0, 2, 4, 6);
        const d3 = () => f.get(a2).get(b2).f32x4Shuffle(1, 3, 5, 7);
        d0(); d2(); f.f32x4Sub().set(t[r * 4]);
        d1(); d2(); f.f32x4Add().set(t[r * 4 + 1]);
        d2(); d1(); f.f32x4Sub().set(t[r * 4 + 2]);
        d1(); d3(); f.f32x4Sub().set(t[r * 4 + 3]);
        if (r < 3) f.get(row).get(wp).i32(4).i32Mul().i32Add().set(row);
      }
      f.get(vdst).set(sp);
      const put = (x: () => void) => {
        f.get(sp);
        x();
        f.v128Store();
        f.get(sp).get(vStride).i32Add().set(sp);
      };
      for (let j = 0; j < 4; j++) put(() => f.get(t[j]).get(t[8 + j]).f32x4Sub());
      for (let j = 0; j < 4; j++) put(() => f.get(t[4 + j]).get(t[8 + j]).f32x4Add());
      for (let j = 0; j < 4; j++) put(() => f.get(t[8 + j]).get(t[4 + j]).f32x4Sub());
      for (let j = 0; j < 4; j++) put(() => f.get(t[4 + j]).get(t[12 + j]).f32x4Sub());
    });
  });
}

/** U[xi][c][o..o+3] = (G g G^T)[xi] for the filters of output channels 4q..4q+3, q = item - planes. */
function weightQuad(f: FunctionBuilder, field: Field, item: Local, planes: Local): void {
  const [cin, cout, oo, wbase, sO, sC, cc, src, sp, uStride] = locals(f, 10);
  const tap = locals(f, 9);
  const g = vlocals(f, 9);
  const r = vlocals(f, 12);
  const half = f.local(v128);
  field('cin').set(cin);
  field('cout').set(cout);
  field('sO').set(sO);
  field('sC').set(sC);
  f.get(item).get(planes).i32Sub().i32(4).i32Mul().set(oo);
  field('w').get(oo).get(sO).i32Mul().i32Add().set(wbase);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) {
    field('sI').i32(i).i32Mul();
    field('sJ').i32(j).i32Mul().i32Add().set(tap[i * 3 + j]);
  }
  f.get(cin).get(cout).i32Mul().i32(4).i32Mul().set(uStride);
  f.v128f32(0.5).set(half);
  f.forRange(cc, () => f.i32(0), cin, 1, () => {
    f.get(wbase).get(cc).get(sC).i32Mul().i32Add().set(src);
    for (let k = 0; k < 9; k++) {
      f.get(src).get(tap[k]).i32Add().f32Load().f32x4Splat();
      for (let lane = 1; lane < 4; lane++) {
        f.get(src).get(tap[k]).i32Add().get(sO).i32(lane).i32Mul().i32Add().f32Load().f32x4ReplaceLane(lane);
      }
      f.set(g[k]);
    }
    // Rows: r[0..3][j] = G g (G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1]).
    for (let j = 0; j < 3; j++) {
      f.get(g[j]).set(r[j]);
      f.get(g[j]).get(g[3 + j]).f32x4Add().get(g[6 + j]).f32x4Add().get(half).f32x4Mul().set(r[3 + j]);
      f.get(g[j]).get(g[3 + j]).f32x4Sub().get(g[6 + j]).f32x4Add().get(half).f32x4Mul().set(r[6 + j]);
      f.get(g[6 + j]).set(r[9 + j]);
    }
    field('u').get(cc).get(cout).i32Mul().get(oo).i32Add().i32(4).i32Mul().i32Add().set(sp);
    const put = (x: () => void) => {
      f.get(sp);
      x();
      f.v128Store();
      f.get(sp).get(uStride).i32Add().set(sp);
    };
    for (let i = 0; i < 4; i++) {
      const [x0, x1, x2] = [r[i * 3], r[i * 3 + 1], r[i * 3 + 2]];
      put(() => f.get(x0));
      put(() => f.get(x0).get(x1).f32x4Add().get(x2).f32x4Add().get(half).f32x4Mul());
      put(() => f.get(x0).get(x1).f32x4Sub().get(x2).f32x4Add().get(half).f32x4Mul());
      put(() => f.get(x2));
    }
  });
}

/** Output plane `item` (image n, channel o): Y = A^T M A + bias per tile, 2x2 results interleaved into rows. */
function outputPlane(f: FunctionBuilder, field: Field, item: Local): void {
  const [cout, tilesY, tilesX, nPad, n, o, ty, tx, msrc, mp, mStride, ybase, dst, rowOut, biasAddr] = locals(f, 15);
  const m = vlocals(f, 16);
  const r = vlocals(f, 8);
  const [y00, y01, y10, y11, bias] = vlocals(f, 5);
  field('cout').set(cout);
  field('tilesY').set(tilesY);
  field('tilesX').set(tilesX);
  field('nPad').set(nPad);
  f.get(item).get(cout).i32DivU().set(n);
  f.get(item).get(cout).i32RemU().set(o);
  field('mPad').get(nPad).i32Mul().i32(4).i32Mul().set(mStride);
  f.get(tilesX).i32(8).i32Mul().set(rowOut);
  field('y').get(item).get(tilesY).i32Mul().get(rowOut).i32Mul().i32(2).i32Mul().i32Add().set(ybase);
  f.v128f32(0).set(bias);
  field('bias').tee(biasAddr).ifElse(() => f.get(biasAddr).get(o).i32(4).i32Mul().i32Add().f32Load().f32x4Splat().set(bias));
  f.forRange(ty, () => f.i32(0), tilesY, 1, () => {
    f.forRange(tx, () => f.i32(0), tilesX, 4, () => {
      field('m').get(o).get(nPad).i32Mul().get(n).get(tilesY).i32Mul().get(ty).i32Add().get(tilesX).i32Mul().i32Add().get(tx).i32Add();
      f.i32(4).i32Mul().i32Add().set(msrc);
      f.get(msrc).set(mp);
      for (let xi = 0; xi < 16; xi++) {
        f.get(mp).v128Load().set(m[xi]);
        if (xi < 15) f.get(mp).get(mStride).i32Add().set(mp);
      }
      // A^T = [1 1 1 0; 0 1 -1 -1] on the rows, then on the columns.
      for (let j = 0; j < 4; j++) {
        f.get(m[j]).get(m[4 + j]).f32x4Add().get(m[8 + j]).f32x4Add().set(r[j]);
        f.get(m[4 + j]).get(m[8 + j]).f32x4Sub().get(m[12 + j]).f32x4Sub().set(r[4 + j]);
      }
      for (const [out, k] of [[y00, 0], [y10, 4]] as const) f.get(r[k]).get(r[k + 1]).f32x4Add().get(r[k + 2]).f32x4Add().get(bias).f32x4Add().set(out);
      for (const [out, k] of [[y01, 0], [y11, 4]] as const) f.get(r[k + 1]).get(r[k + 2]).f32x4Sub().get(r[k + 3]).f32x4Sub().get(bias).f32x4Add().set(out);
      f.get(ybase).get(ty).get(rowOut).i32Mul().i32(2).i32Mul().i32Add().get(tx).i32(8).i32Mul().i32Add().set(dst);
      f.get(dst).get(y00).get(y01).f32x4Shuffle(0, 4, 1, 5).v128Store(0);
      f.get(dst).get(y00).get(y01).f32x4Shuffle(2, 6, 3, 7).v128Store(16);
      f.get(dst).get(rowOut).i32Add().set(dst);
      f.get(dst).get(y10).get(y11).f32x4Shuffle(0, 4, 1, 5).v128Store(0);
      f.get(dst).get(y10).get(y11).f32x4Shuffle(2, 6, 3, 7).v128Store(16);
    });
  });
}
