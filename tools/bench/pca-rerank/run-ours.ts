/**
 * Child process of bench.ts: re-ranks one file 64 -> `--rank` with rerankLoraFile and prints one
 * JSON line (time, RSS before the work, peak RSS, totals, per-layer errors). A separate process so
 * maxRSS is this run's alone.
 */
import { rerankLoraFile } from '../../../packages/pca-rerank/src/index.js';

const [input, output, rankArg] = process.argv.slice(2);
const rank = Number(rankArg ?? 16);
const rssBefore = process.memoryUsage().rss;
let peakSampled = rssBefore;
const started = performance.now();
const result = await rerankLoraFile(input, output, {
  rule: { method: 'fixed', rank },
  split: 'sqrt',
  onLayer: () => {
    peakSampled = Math.max(peakSampled, process.memoryUsage().rss);
  },
});
const seconds = (performance.now() - started) / 1000;
process.stdout.write(
  `${JSON.stringify({
    seconds,
    layers: result.reports.length,
    rssBeforeMiB: rssBefore / 2 ** 20,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    peakSampledRssMiB: peakSampled / 2 ** 20,
    totals: result.totals,
    errors: result.reports.map((r) => ({ name: r.name, shape: r.shape, errorNorm: r.errorNorm, deltaNorm: r.deltaNorm })),
  })}\n`,
);
