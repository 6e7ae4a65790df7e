/**
 * Benchmark: re-rank a rank-64 bf16 LoRA with Qwen-Image-i2L's targets and real shapes to rank 16.
 *
 *   node --conditions=development --import tsx tools/bench/pca-rerank/bench.ts [--full] [--blocks N] [--keep]
 *
 * Quick (default): 2 of the 60 blocks (24 layers, ~31 MB); the dense-JS SVD on 1/8- and 1/4-scale
 * squares, extrapolated to 3072x3072; torch's dense SVD on one 3072x3072 layer. --full: all 60 blocks
 * (720 layers, ~944 MB, generated into a temp dir and deleted unless --keep) and torch on every
 * distinct shape. Whole-file figures for the dense approaches are extrapolated as LOWER BOUNDS: every
 * layer's short side is 3072, so each costs at least the 3072x3072 SVD (quick mode counts every layer
 * at that cost; full mode uses torch's measured time per shape). Each measurement runs in its own
 * process so its peak RSS is its own. Results print as JSON and a summary;
 * tools/bench/pca-rerank/README.md records a run. The machine is shared: timings are noisy.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSyntheticQwenLora } from './synthetic-lora.js';

const args = process.argv.slice(2);
const full = args.includes('--full');
const blocksArg = args.indexOf('--blocks');
const blocks = blocksArg >= 0 ? Number(args[blocksArg + 1]) : full ? 60 : 2;
const here = fileURLToPath(new URL('.', import.meta.url));
const node = (script: string, scriptArgs: string[]): string =>
  execFileSync(process.execPath, ['--conditions=development', '--import', 'tsx', join(here, script), ...scriptArgs], { encoding: 'utf8', maxBuffer: 1 << 28 });
const python = (script: string, scriptArgs: string[]): string | null => {
  try {
    return execFileSync('/usr/bin/python3', [join(here, script), ...scriptArgs], { encoding: 'utf8', maxBuffer: 1 << 28 });
  } catch (error) {
    process.stderr.write(`torch step skipped: ${(error as Error).message.split('\n')[0]}\n`);
    return null;
  }
};

// Layers per distinct shape in the whole 60-block file: 8 attention 3072x3072, img/txt_mod 18432x3072, img/txt_mlp.net.2 3072x12288.
const FULL_COUNTS: Record<string, number> = { '3072x3072': 480, '18432x3072': 120, '3072x12288': 120 };

const dir = mkdtempSync(join(tmpdir(), 'pca-rerank-bench-'));
const input = join(dir, 'qwen-i2l-rank64-bf16.safetensors');
const output = join(dir, 'rank16.safetensors');
try {
  let t = performance.now();
  const generated = await writeSyntheticQwenLora(input, { blocks, rank: 64 });
  process.stderr.write(`generated ${generated.layers} layers, ${(statSync(input).size / 2 ** 20).toFixed(0)} MiB in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);

  t = performance.now();
  const ours = JSON.parse(node('run-ours.ts', [input, output, '16']));
  process.stderr.write(`ours: ${ours.seconds.toFixed(1)} s\n`);
  const oursPath = join(dir, 'ours.json');
  writeFileSync(oursPath, JSON.stringify(ours));

  const scales = [8, 4];
  const denseShapes = scales.map((s) => `${3072 / s}x${3072 / s}`);
  const dense = JSON.parse(node('run-dense-js.ts', denseShapes)) as { shape: [number, number]; formSeconds: number; svdSeconds: number; maxRssMiB: number }[];
  // Fit T = c * n^p on the square shapes (one-sided Jacobi: O(m n^2) per sweep, sweeps grow slowly with n).
  const [a, b] = [dense[dense.length - 2], dense[dense.length - 1]];
  const p = Math.log(b.svdSeconds / a.svdSeconds) / Math.log(b.shape[0] / a.shape[0]);
  const at3072 = b.svdSeconds * (3072 / b.shape[0]) ** p;
  // Lower bound for the non-square shapes: after a QR of W their 3072x3072 factor still needs this SVD.
  const denseSvdPerShape: Record<string, number> = { '3072x3072': at3072, '18432x3072': at3072, '3072x12288': at3072 };
  const formed = JSON.parse(node('run-dense-js.ts', ['18432x3072', '--form-only'])) as typeof dense;
  process.stderr.write(`dense JS: exponent ${p.toFixed(2)}, 3072x3072 SVD extrapolated ${at3072.toFixed(0)} s\n`);

  const torchShapes = full ? Object.keys(FULL_COUNTS) : ['3072x3072'];
  const torchRaw = python('torch-dense-svd.py', torchShapes);
  const torch = torchRaw ? JSON.parse(torchRaw) : null;
  const checkNames = full
    ? ['transformer_blocks.0.attn.to_q', 'transformer_blocks.0.img_mod.1', 'transformer_blocks.0.img_mlp.net.2']
    : ['transformer_blocks.0.attn.to_q', 'transformer_blocks.1.attn.add_v_proj'];
  const checkRaw = python('torch-check-errors.py', [input, oursPath, '16', ...checkNames]);
  const check = checkRaw ? JSON.parse(checkRaw) : null;

  const fullScale = 60 / blocks;
  const perShapeTorch: Record<string, number> = {};
  for (const r of torch?.results ?? []) perShapeTorch[r.shape.join('x')] = r.seconds;
  const torchPerLayer = (shape: string): number => perShapeTorch[shape] ?? perShapeTorch['3072x3072']; // lower bound when unmeasured
  const sum = (f: (shape: string) => number) => Object.entries(FULL_COUNTS).reduce((acc, [shape, n]) => acc + n * f(shape), 0);
  const summary = {
    mode: full ? 'full' : 'quick',
    blocks,
    layers: ours.layers,
    fileMiB: generated.bytes / 2 ** 20,
    ours: {
      seconds: ours.seconds,
      fullFileSecondsEstimate: ours.seconds * fullScale,
      rssBeforeMiB: ours.rssBeforeMiB,
      maxRssMiB: ours.maxRssMiB,
      peakAboveStartMiB: ours.maxRssMiB - ours.rssBeforeMiB,
      relFroError: ours.totals.relFroError,
    },
    denseJs: {
      measured: dense,
      fittedExponent: p,
      formW18432x3072Seconds: formed[0].formSeconds,
      formW18432x3072MaxRssMiB: formed[0].maxRssMiB,
      svdSecondsPerLayerExtrapolated: denseSvdPerShape,
      fullFileSecondsLowerBound: sum((s) => denseSvdPerShape[s]),
    },
    torch: torch && {
      version: torch.torch,
      threads: torch.threads,
      maxRssMiB: torch.maxRssMiB,
      measured: torch.results,
      fullFileSeconds: sum(torchPerLayer),
      allShapesMeasured: Object.keys(FULL_COUNTS).every((k) => k in perShapeTorch),
    },
    errorCheck: check,
  };
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  const largestLayerBf16MiB = (2 * 64 * (18432 + 3072)) / 2 ** 20;
  process.stderr.write(
    [
      `ours (${ours.layers} layers): ${ours.seconds.toFixed(1)} s, full file ~${summary.ours.fullFileSecondsEstimate.toFixed(0)} s; peak RSS ${ours.maxRssMiB.toFixed(0)} MiB (${summary.ours.peakAboveStartMiB.toFixed(0)} MiB above start; largest layer ${largestLayerBf16MiB.toFixed(2)} MiB bf16)`,
      `dense JS full file >= ${(summary.denseJs.fullFileSecondsLowerBound / 3600).toFixed(0)} h (extrapolated lower bound) -> ours is >= ${(summary.denseJs.fullFileSecondsLowerBound / summary.ours.fullFileSecondsEstimate).toFixed(0)}x faster`,
      torch
        ? `torch dense full file ${summary.torch!.allShapesMeasured ? '~' : '>= '}${(summary.torch!.fullFileSeconds / 60).toFixed(0)} min (from per-shape times) -> ours is ${summary.torch!.allShapesMeasured ? '~' : '>= '}${(summary.torch!.fullFileSeconds / summary.ours.fullFileSecondsEstimate).toFixed(1)}x faster`
        : 'torch: not available',
      check ? `error vs dense float64 optimum: max rel diff ${Math.max(...check.map((c: { relDiff: number }) => c.relDiff)).toExponential(2)}` : '',
    ].join('\n') + '\n',
  );
} finally {
  if (!args.includes('--keep')) rmSync(dir, { recursive: true, force: true });
  else process.stderr.write(`kept ${dir}\n`);
}
