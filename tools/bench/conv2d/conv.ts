/**
 * Benchmark: conv2d (3x3, stride 1, padding 1, with bias) forward, and backward (input and weight
 * gradients given dy, timed alone after an untimed forward), at UNet/VAE-like shapes. Ours (the
 * public @loraflow/tensor-core API on the CPU device, in this process) against, each in its own
 * process in the same run: PyTorch (conv.py), tfjs-wasm SIMD + N threads in its native NHWC layout
 * (peer-tfjs-wasm.ts), onnxruntime-node with a one-node Conv model (peer-onnxruntime.ts, forward
 * only) and a plain-JS nested loop (peer-plain-js.ts, forward, smallest case only).
 * Every peer also computes the first case from the same inputs; its max abs difference from ours is
 * printed, and a peer whose result differs is left out of the ratios.
 * Writes bench-results/conv2d-<time>.json with `summary` rows for tools/bench/run-all.ts.
 *   node --conditions=development --import tsx tools/bench/conv2d/conv.ts [--quick] [--runs 8] [--peers torch,tfjs,onnx,plain] [--threads 2]
 * --quick: the same shapes, fewer runs (about 2 minutes on 2 quiet cores).
 */
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tc from '@loraflow/tensor-core';
import { numberArg, type Timing } from '../cpu-kernels/measure.js';
import { markdownTable, peerTiming, REPO_ROOT, runPeer, torchEnv, type PeerOutcome } from '../cpu-kernels/run-peer.js';
import { figure, summaryRow, type SummaryRow } from '../summary-row.js';
import { caseKey, checkPath, convInputs, forwardFlops, readF32, shapesArg, writeF32, type CheckName, type ConvCase } from './conv-cases.js';

const quick = process.argv.includes('--quick');
// A bare number as the first argument is the run count (the older command line).
const runs = numberArg(process.argv, 'runs', /^\d+$/.test(process.argv[2] ?? '') ? Number(process.argv[2]) : quick ? 3 : 8);
const threads = numberArg(process.argv, 'threads', availableParallelism());
const peerFilter = process.argv.includes('--peers') ? process.argv[process.argv.indexOf('--peers') + 1].split(',') : null;
const wanted = (id: string) => !peerFilter || peerFilter.some((f) => id.startsWith(f));

/** VAE decoder-ish, UNet down/mid blocks; the first (smallest) is the check case and plain JS's only one. */
const SHAPES: ConvCase[] = [
  { n: 1, c: 64, h: 128, w: 128, o: 64 },
  { n: 1, c: 128, h: 64, w: 64, o: 128 },
  { n: 2, c: 320, h: 32, w: 32, o: 320 },
  { n: 2, c: 640, h: 16, w: 16, o: 640 },
];

type Pass = 'fwd' | 'bwd';
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function oursTensors(s: ConvCase, grad: boolean) {
  const v = convInputs(s);
  return {
    x: tc.tensor(v.x, [s.n, s.c, s.h, s.w], { requiresGrad: grad }),
    k: tc.tensor(v.w, [s.o, s.c, 3, 3], { requiresGrad: grad }),
    b: tc.tensor(v.b, [s.o]),
    gy: tc.tensor(v.gy, [s.n, s.o, s.h, s.w]),
  };
}

/** Median wall and process-CPU ms of ours after 2 warm-up calls; the backward is timed without its forward. */
function timeOurs(s: ConvCase, pass: Pass): Timing {
  const { x, k, b, gy } = oursTensors(s, pass === 'bwd');
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs + 2; i++) {
    let t0 = performance.now();
    let c0 = process.cpuUsage();
    tc.tidy(() => {
      const y = tc.conv2d(x, k, b, { padding: 1 });
      if (pass === 'fwd') return;
      x.grad = null;
      k.grad = null;
      t0 = performance.now();
      c0 = process.cpuUsage();
      y.backward(gy);
    });
    if (i >= 2) {
      wall.push(performance.now() - t0);
      const u = process.cpuUsage(c0);
      cpu.push((u.user + u.system) / 1000);
    }
  }
  for (const t of [x, k, b, gy]) t.dispose();
  return { medianMs: median(wall), minMs: Math.min(...wall), runs: wall.length, cpuMedianMs: median(cpu) };
}

/** Ours on the check case: y, dx, dw. */
async function oursCheck(s: ConvCase): Promise<Record<CheckName, Float32Array>> {
  const { x, k, b, gy } = oursTensors(s, true);
  const y = tc.conv2d(x, k, b, { padding: 1 });
  y.backward(gy);
  const res = { y: (await y.data()) as Float32Array, dx: (await x.grad!.data()) as Float32Array, dw: (await k.grad!.data()) as Float32Array };
  for (const t of [x, k, b, gy, y, x.grad!, k.grad!]) t.dispose();
  return res;
}

const device = await tc.getDevice('cpu');
const check = SHAPES[0];
const checkDir = mkdtempSync(join(tmpdir(), 'conv2d-check-'));
const inputs = convInputs(check);
for (const [name, data] of [['x', inputs.x], ['w', inputs.w], ['b', inputs.b], ['gy', inputs.gy]] as const) writeF32(checkPath(checkDir, 'in', name), data);
const reference = await oursCheck(check);

const loadBefore = loadavg()[0];
const peerArgs = (cases: ConvCase[]) => [...shapesArg(cases), '--threads', String(threads), '--check', checkDir, ...(quick ? ['--quick'] : [])];
/** [id, tag of its check files, outcome]. */
const peers: [string, string, PeerOutcome | null][] = [
  ['PyTorch', 'torch', wanted('torch') ? runPeer(fileURLToPath(new URL('./conv.py', import.meta.url)), [...shapesArg(SHAPES), '--runs', String(runs), '--check', checkDir], { python: true, env: torchEnv(threads), label: 'PyTorch' }) : null],
  ['tfjs-wasm', 'tfjs', wanted('tfjs') ? runPeer(fileURLToPath(new URL('./peer-tfjs-wasm.ts', import.meta.url)), peerArgs(SHAPES), { label: 'tfjs-wasm' }) : null],
  ['onnxruntime-node', 'onnx', wanted('onnx') ? runPeer(fileURLToPath(new URL('./peer-onnxruntime.ts', import.meta.url)), peerArgs(SHAPES), { label: 'onnxruntime-node' }) : null],
  ['plain JS', 'plain', wanted('plain') ? runPeer(fileURLToPath(new URL('./peer-plain-js.ts', import.meta.url)), peerArgs([check]), { label: 'plain JS' }) : null],
];
process.stderr.write(`running ours (load ${loadavg()[0].toFixed(2)})...\n`);
const ours: Record<string, Timing> = {};
for (const s of SHAPES) for (const pass of ['fwd', 'bwd'] as const) ours[`${pass}:${caseKey(s)}`] = timeOurs(s, pass);
const loadAfter = loadavg()[0];

// Each peer's check results against ours: max abs difference per output, and whether it agrees.
const maxAbs = (a: Float32Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const checks = peers.map(([id, tag, p]) => {
  const diffs = (['y', 'dx', 'dw'] as const).flatMap((name) => {
    const theirs = p && 'sizes' in p ? readF32(checkPath(checkDir, tag, name)) : null;
    if (!theirs) return [];
    const mine = reference[name];
    let d = theirs.length === mine.length ? 0 : Infinity;
    for (let i = 0; i < mine.length && d !== Infinity; i++) {
      const e = Math.abs(theirs[i] - mine[i]);
      d = Number.isNaN(e) ? Infinity : Math.max(d, e);
    }
    return [{ name, maxAbsDiff: d, maxAbsOurs: maxAbs(mine) }];
  });
  // Relative to the output's scale; f32 sums of 576 (y, dx) and 16384 (dw) products differ by ~1e-6 of it.
  const agrees = diffs.length > 0 && diffs.every((d) => d.maxAbsDiff <= 1e-3 * Math.max(1, d.maxAbsOurs));
  return { id, diffs, agrees };
});
rmSync(checkDir, { recursive: true, force: true });

const measured = peers.filter(([, , p]) => p && 'sizes' in p);
const label = (id: string, p: PeerOutcome | null) => (p && 'peer' in p ? p.peer : id);
const ok = (id: string) => checks.find((c) => c.id === id)?.agrees ?? false;
const oursLabel = 'ours';
const ms = (t: Timing | null) => (t ? `${t.medianMs.toFixed(1)} (${t.cpuMedianMs?.toFixed(1) ?? '-'})` : '-');
const ratio = (mine: Timing | null, theirs: Timing | null) => (mine && theirs ? `${(theirs.medianMs / mine.medianMs).toFixed(2)}x` : '-');
const cpuRatio = (mine: Timing | null, theirs: Timing | null) => (mine?.cpuMedianMs && theirs?.cpuMedianMs ? `${(theirs.cpuMedianMs / mine.cpuMedianMs).toFixed(2)}x` : '-');

console.log(`\nconv2d 3x3, stride 1, padding 1, with bias, f32; ${cpus()[0]?.model ?? 'cpu'} x${availableParallelism()}, ${threads} threads; ours ${runs} runs${quick ? ' (--quick)' : ''}; ${tc.describeDevice(device).summary}; 1-min load ${loadBefore.toFixed(2)} -> ${loadAfter.toFixed(2)}`);
console.log('tfjs-wasm runs in its native NHWC layout (x [N,H,W,C], filter [3,3,C,O]) on the same logical shapes; the others in NCHW.');
for (const [pass, title] of [['fwd', 'forward'], ['bwd', 'backward (dx and dw given dy)']] as const) {
  const cols = measured.filter(([, , p]) => SHAPES.some((s) => peerTiming(p, `${pass}:${caseKey(s)}`)));
  console.log(`\n${title}: median ms (CPU ms of the process in brackets)\n`);
  console.log(markdownTable(['N,C,H,W -> O', 'GFLOP', oursLabel, ...cols.map(([id, , p]) => label(id, p))], SHAPES.map((s) => {
    const key = `${pass}:${caseKey(s)}`;
    const gflop = ((pass === 'fwd' ? 1 : 2) * forwardFlops(s)) / 1e9;
    return [`${s.n},${s.c},${s.h},${s.w} -> ${s.o}`, gflop.toFixed(2), ms(ours[key]), ...cols.map(([, , p]) => ms(peerTiming(p, key)))];
  })));
  console.log(`\n${title}: ours / peer = peer time over ours (>1: ours faster), wall [per CPU-second]\n`);
  const suffix = (id: string) => (ok(id) ? '' : checks.find((c) => c.id === id)?.diffs.length ? ' (output differs: left out)' : ' (output not checked: left out)');
  console.log(markdownTable(['N,C,H,W -> O', ...cols.map(([id, , p]) => `${label(id, p)}${suffix(id)}`)], SHAPES.map((s) => {
    const key = `${pass}:${caseKey(s)}`;
    return [`${s.n},${s.c},${s.h},${s.w} -> ${s.o}`, ...cols.map(([id, , p]) => (ok(id) ? `${ratio(ours[key], peerTiming(p, key))} [${cpuRatio(ours[key], peerTiming(p, key))}]` : '-'))];
  })));
}
console.log(`\ncheck at ${caseKey(check)} (same inputs): max abs difference from ours (max |ours| in brackets)\n`);
console.log(markdownTable(['peer', 'y', 'dx', 'dw', 'agrees'], checks.filter((c) => peers.some(([id, , p]) => id === c.id && p)).map((c) => {
  const cell = (name: string) => {
    const d = c.diffs.find((x) => x.name === name);
    return d ? `${d.maxAbsDiff.toExponential(1)} (${d.maxAbsOurs.toFixed(1)})` : '-';
  };
  return [c.id, cell('y'), cell('dx'), cell('dw'), c.diffs.length ? (c.agrees ? 'yes' : 'NO: left out') : 'not checked'];
})));
for (const [id, , p] of peers) if (p) console.log(`- ${label(id, p)}: ${'error' in p ? `not measured: ${p.error}` : (p.note ?? '')}`);

const summary: SummaryRow[] = SHAPES.flatMap((s) =>
  (['fwd', 'bwd'] as const).map((pass) => {
    const key = `${pass}:${caseKey(s)}`;
    const theirs = measured.filter(([id]) => ok(id)).map(([id, , p]) => figure(label(id, p), peerTiming(p, key)));
    return summaryRow(`conv2d 3x3 pad 1 ${pass === 'fwd' ? 'forward' : 'backward'}`, `${s.n},${s.c},${s.h},${s.w} -> ${s.o}`, figure(oursLabel, ours[key]), theirs);
  }).filter((r): r is SummaryRow => r !== null),
);
const outDir = join(REPO_ROOT, 'bench-results');
if (!existsSync(outDir)) mkdirSync(outDir, { recursive: true });
const file = join(outDir, `conv2d-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
const json = {
  benchmark: 'cpu-conv2d-f32',
  date: new Date().toISOString(),
  cpu: cpus()[0]?.model,
  cores: availableParallelism(),
  node: process.version,
  device: tc.describeDevice(device).summary,
  threads,
  runs,
  quick,
  shapes: SHAPES,
  loadBefore,
  loadAfter,
  ours,
  peers: Object.fromEntries(peers.map(([id, , p]) => [id, p])),
  checks,
  summary,
};
writeFileSync(`${file}.tmp`, `${JSON.stringify(json, null, 2)}\n`);
renameSync(`${file}.tmp`, file);
console.log(`\nwrote ${file} (1-minute load ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after)`);
process.exit(0);
