/**
 * Plain-JS conv2d peer: a direct nested-loop convolution on Float32Arrays in NCHW, one thread,
 * forward only ("fwd:<case>"); conv.ts gives it only the smallest case. With `--check <dir>` it
 * writes the first case's output there for conv.ts to compare.
 */
import { emit, measure, type Timing } from '../cpu-kernels/measure.js';
import { caseKey, casesFromArgs, checkDirArg, checkPath, CONV, convInputs, type ConvCase, writeF32 } from './conv-cases.js';

/** y = conv2d(x, w) + b, stride 1, dilation 1, padding CONV.pad; loops ordered so the innermost runs along a row of x and y. */
function convForward(s: ConvCase, x: Float32Array, w: Float32Array, b: Float32Array, y: Float32Array): void {
  const { h, w: wd, c, o } = s;
  const k = CONV.k;
  const pad = CONV.pad;
  const plane = h * wd;
  for (let n = 0; n < s.n; n++) {
    for (let oc = 0; oc < o; oc++) {
      const yo = (n * o + oc) * plane;
      y.fill(b[oc], yo, yo + plane);
      for (let ic = 0; ic < c; ic++) {
        const xo = (n * c + ic) * plane;
        for (let ki = 0; ki < k; ki++) {
          for (let kj = 0; kj < k; kj++) {
            const wv = w[((oc * c + ic) * k + ki) * k + kj];
            const dx = kj - pad;
            const x0 = Math.max(0, -dx);
            const x1 = Math.min(wd, wd - dx);
            for (let row = 0; row < h; row++) {
              const iy = row + ki - pad;
              if (iy < 0 || iy >= h) continue;
              const yr = yo + row * wd;
              const xr = xo + iy * wd + dx;
              for (let col = x0; col < x1; col++) y[yr + col] += wv * x[xr + col];
            }
          }
        }
      }
    }
  }
}

const quick = process.argv.includes('--quick');
const checkDir = checkDirArg(process.argv);
const out: Record<string, Timing> = {};
for (const [i, s] of casesFromArgs(process.argv).entries()) {
  const v = convInputs(s);
  const y = new Float32Array(s.n * s.o * s.h * s.w);
  if (i === 0 && checkDir) {
    convForward(s, v.x, v.w, v.b, y);
    writeF32(checkPath(checkDir, 'plain', 'y'), y);
  }
  // Seconds per call: the check call above (or one warm-up) is enough for the JIT.
  out[`fwd:${caseKey(s)}`] = await measure(() => convForward(s, v.x, v.w, v.b, y), { warmup: i === 0 && checkDir ? 0 : 1, minRuns: quick ? 2 : 3, maxRuns: 5, minTimeMs: 0 });
  process.stderr.write(`  plain JS ${caseKey(s)} done\n`);
}
emit({ peer: 'plain JS', note: 'one thread, direct nested loops over NCHW', sizes: out });
