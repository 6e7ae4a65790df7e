/**
 * Runs in the browser page: part of the op suite on the `webgpu` device through navigator.gpu,
 * each op compared with a float64 reference computed here, plus autograd against the page's CPU
 * device. Reports through `window.__loraflowResult`.
 */
import { conv2d, cpu, erf as erfOp, f32ToF16Bits, getDevice, layerNorm, scaledDotProductAttention, softmax, tensor, type Device, type Tensor } from '../../src/index.js';
import type { WebGpuBackend } from '../../src/backends/webgpu/webgpu-backend.js';
import { erf, geluErf, geluTanh, sigmoid } from '../../src/backends/cpu/scalar-math.js';

/** One comparison's outcome. */
export interface PageCheck {
  name: string;
  error: number;
  tol: number;
  ok: boolean;
}

/** What the page reports back to the runner. */
export interface PageResult {
  ok: boolean;
  device?: string;
  software?: boolean;
  checks: PageCheck[];
  error?: string;
}

/** Deterministic values away from zero (|v| in [0.1, 1.1]); a splitmix-style hash keeps the page self-contained. */
function values(n: number, seed: number, positive = false): Float64Array {
  const out = new Float64Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    z = (z ^ (z >>> 16)) >>> 0;
    const mag = 0.1 + (z / 2 ** 32);
    out[i] = positive || (z & 1) === 0 ? mag : -mag;
  }
  return Float64Array.from(Float32Array.from(out));
}

function relError(actual: ArrayLike<number>, expected: ArrayLike<number>, floor = 1e-3): number {
  if (actual.length !== expected.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.abs(actual[i] - expected[i]) / Math.max(Math.abs(expected[i]), floor);
    if (!(e <= worst)) worst = Number.isNaN(e) ? Infinity : e;
  }
  return worst;
}

const checks: PageCheck[] = [];

function record(name: string, error: number, tol: number): void {
  checks.push({ name, error, tol, ok: error < tol });
}

async function unaryChecks(device: Device): Promise<void> {
  const fns: [string, (t: Tensor) => Tensor, (v: number) => number, boolean][] = [
    ['neg', (t) => t.neg(), (v) => -v, false],
    ['abs', (t) => t.abs(), Math.abs, false],
    ['exp', (t) => t.exp(), Math.exp, false],
    ['log', (t) => t.log(), Math.log, true],
    ['sqrt', (t) => t.sqrt(), Math.sqrt, true],
    ['rsqrt', (t) => t.rsqrt(), (v) => 1 / Math.sqrt(v), true],
    ['tanh', (t) => t.tanh(), Math.tanh, false],
    ['sigmoid', (t) => t.sigmoid(), sigmoid, false],
    ['silu', (t) => t.silu(), (v) => v * sigmoid(v), false],
    ['relu', (t) => t.relu(), (v) => Math.max(v, 0), false],
    ['gelu erf', (t) => t.gelu(), geluErf, false],
    ['gelu tanh', (t) => t.gelu('tanh'), geluTanh, false],
    ['square', (t) => t.square(), (v) => v * v, false],
    ['erf', (t) => erfOp(t), erf, false],
  ];
  for (const [name, run, ref, positive] of fns) {
    const v = values(1000, name.length * 17 + 3, positive);
    const y = await run(tensor(Float32Array.from(v), [10, 100], { device })).data();
    record(`unary ${name}`, relError(y, Array.from(v, ref)), 1e-5);
  }
}

async function binaryChecks(device: Device): Promise<void> {
  const a = values(60, 1);
  const b = values(4, 2, true);
  const ops: [string, (x: Tensor, y: Tensor) => Tensor, (x: number, y: number) => number][] = [
    ['add', (x, y) => x.add(y), (x, y) => x + y],
    ['sub', (x, y) => x.sub(y), (x, y) => x - y],
    ['mul', (x, y) => x.mul(y), (x, y) => x * y],
    ['div', (x, y) => x.div(y), (x, y) => x / y],
    ['pow', (x, y) => x.abs().pow(y), (x, y) => Math.abs(x) ** y],
    ['maximum', (x, y) => x.maximum(y), Math.max],
  ];
  for (const [name, run, ref] of ops) {
    const y = await run(tensor(Float32Array.from(a), [3, 4, 5], { device }), tensor(Float32Array.from(b), [4, 1], { device })).data();
    const expected = Array.from(a, (v, i) => ref(v, b[Math.floor(i / 5) % 4]));
    record(`binary ${name} [3,4,5] with [4,1]`, relError(y, expected), 1e-5);
  }
}

async function reduceChecks(device: Device): Promise<void> {
  const v = values(2 * 3 * 50, 7);
  const x = tensor(Float32Array.from(v), [2, 3, 50], { device });
  const sum = await x.sum([0, 2]).data();
  const max = await x.max(2).data();
  const expSum = new Float64Array(3);
  const expMax = new Float64Array(6).fill(-Infinity);
  for (let i = 0; i < v.length; i++) {
    const row = Math.floor(i / 50);
    expSum[row % 3] += v[i];
    expMax[row] = Math.max(expMax[row], v[i]);
  }
  record('sum over axes [0, 2]', relError(sum, expSum, 1), 1e-5);
  record('max over axis 2', relError(max, expMax), 1e-7);
}

async function matmulCheck(device: Device): Promise<void> {
  const [batch, m, n, k] = [2, 33, 47, 70];
  const a = values(batch * m * k, 11);
  const b = values(batch * n * k, 12);
  const y = await tensor(Float32Array.from(a), [batch, m, k], { device }).matmul(tensor(Float32Array.from(b), [batch, n, k], { device }), { transB: true }).data();
  const expected = new Float64Array(batch * m * n);
  for (let t = 0; t < batch; t++) for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let q = 0; q < k; q++) s += a[(t * m + i) * k + q] * b[(t * n + j) * k + q];
    expected[(t * m + i) * n + j] = s;
  }
  record('batched matmul with transB', relError(y, expected, 1), 1e-5);
}

async function nnChecks(device: Device): Promise<void> {
  const v = values(4 * 30, 21);
  const x = tensor(Float32Array.from(v), [4, 30], { device });
  const sm = await softmax(x, -1).data();
  const ln = await layerNorm(x, [30]).data();
  const expSm = new Float64Array(v.length);
  const expLn = new Float64Array(v.length);
  for (let r = 0; r < 4; r++) {
    const row = v.subarray(r * 30, r * 30 + 30);
    const mx = Math.max(...row);
    const z = row.reduce((s, t) => s + Math.exp(t - mx), 0);
    const mean = row.reduce((s, t) => s + t, 0) / 30;
    const variance = row.reduce((s, t) => s + (t - mean) ** 2, 0) / 30;
    for (let i = 0; i < 30; i++) {
      expSm[r * 30 + i] = Math.exp(row[i] - mx) / z;
      expLn[r * 30 + i] = (row[i] - mean) / Math.sqrt(variance + 1e-5);
    }
  }
  record('softmax', relError(sm, expSm), 1e-5);
  record('layerNorm', relError(ln, expLn, 1), 1e-5);

  const [c, h, w, o] = [3, 9, 8, 4];
  const xv = values(c * h * w, 31);
  const wv = values(o * c * 9, 32);
  const y = await conv2d(tensor(Float32Array.from(xv), [1, c, h, w], { device }), tensor(Float32Array.from(wv), [o, c, 3, 3], { device }), null, { stride: 2, padding: 1 }).data();
  const oh = Math.floor((h + 2 - 3) / 2) + 1;
  const ow = Math.floor((w + 2 - 3) / 2) + 1;
  const expected = new Float64Array(o * oh * ow);
  for (let f = 0; f < o; f++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) {
    let s = 0;
    for (let ch = 0; ch < c; ch++) for (let ki = 0; ki < 3; ki++) for (let kj = 0; kj < 3; kj++) {
      const yi = i * 2 - 1 + ki;
      const xj = j * 2 - 1 + kj;
      if (yi >= 0 && yi < h && xj >= 0 && xj < w) s += xv[(ch * h + yi) * w + xj] * wv[((f * c + ch) * 3 + ki) * 3 + kj];
    }
    expected[(f * oh + i) * ow + j] = s;
  }
  record('conv2d stride 2 padding 1', relError(y, expected, 1), 1e-5);
}

async function gradCheck(device: Device): Promise<void> {
  const xv = Float32Array.from(values(8 * 16, 41));
  const wv = Float32Array.from(values(16 * 12, 42));
  const grads: Float32Array[] = [];
  for (const d of [device, cpu]) {
    const x = tensor(xv, [8, 16], { device: d });
    const w = tensor(wv, [16, 12], { device: d, requiresGrad: true });
    x.matmul(w).tanh().square().mean().backward();
    grads.push((await w.grad!.data()) as Float32Array);
  }
  record('autograd of mean(tanh(x W)^2) matches the CPU device', relError(grads[0], grads[1], 1e-3), 1e-4);
}

async function fusedKernelChecks(device: Device): Promise<void> {
  const backend = device.backend as WebGpuBackend;
  for (const [d, causal] of [[64, true], [24, false]] as const) {
    const [heads, seq] = [2, 40];
    const [q, k, v] = [51, 52, 53].map((seed) => tensor(Float32Array.from(values(heads * seq * d, seed)), [heads, seq, d], { device }));
    const p = { batchHeads: heads, seqQ: seq, seqK: seq, headDim: d, scale: 1 / Math.sqrt(d), causal, mask: null, maskBatchStride: 0, maskGroup: 1 };
    const fused = await backend.read(backend.flashAttention(q.storage, k.storage, v.storage, p).out);
    const unfused = await scaledDotProductAttention(q, k, v, { isCausal: causal }).data();
    record(`fused attention d=${d}${causal ? ' causal' : ''} matches the op-layer attention`, relError(fused, unfused, 1), 1e-5);
  }
  const [m, n, kk] = [20, 36, 28];
  const a = values(m * kk, 61);
  const w = values(n * kk, 62);
  const bias = values(n, 63);
  const out = await backend.read(
    backend.matmulFused(tensor(Float32Array.from(a), [m, kk], { device }).storage, tensor(Float32Array.from(w), [n, kk], { device }).storage,
      { batch: 1, m, n, k: kk, transA: false, transB: true, aBatchStride: 0, bBatchStride: 0 },
      { bias: tensor(Float32Array.from(bias), [n], { device }).storage, activation: 'gelu_tanh' }),
  );
  const expected = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = bias[j];
    for (let q = 0; q < kk; q++) s += a[i * kk + q] * w[j * kk + q];
    expected[i * n + j] = geluTanh(s);
  }
  record('matmul with fused bias + GELU epilogue', relError(out, expected, 1), 1e-5);
}

async function castCheck(device: Device): Promise<void> {
  const v = Float32Array.from([1 + 2 ** -11, 1 + 3 * 2 ** -11, 65519.99, 65520, 2 ** -24, 3 * 2 ** -25, 6.1e-5, -0.3, 1e-40]);
  const halves = (await tensor(v, [v.length], { device }).cast('f16').cast('f32').data()) as Float32Array;
  const expected = Array.from(v, (x) => f32ToF16Bits(x));
  const mismatches = Array.from(halves, (x, i): number => (f32ToF16Bits(x) === expected[i] ? 0 : 1)).reduce((s, t) => s + t, 0);
  record('f32 -> f16 rounding is bit-exact', mismatches, 0.5);
}

async function run(): Promise<PageResult> {
  if (!('gpu' in navigator) || !(await navigator.gpu.requestAdapter())) return { ok: false, checks, error: 'navigator.gpu has no adapter' };
  const device = await getDevice('webgpu');
  const info = device.info();
  if (device.kind !== 'webgpu') return { ok: false, checks, error: `getDevice('webgpu') returned ${device.kind}` };
  for (const step of [unaryChecks, binaryChecks, reduceChecks, matmulCheck, nnChecks, gradCheck, fusedKernelChecks, castCheck]) await step(device);
  return { ok: checks.every((c) => c.ok), device: info.summary, software: info.adapter?.software, checks };
}

const target = window as unknown as { __loraflowResult?: PageResult };
run().then(
  (result) => (target.__loraflowResult = result),
  (error: unknown) => (target.__loraflowResult = { ok: false, checks, error: error instanceof Error ? `${error.message}\n${error.stack}` : String(error) }),
);
