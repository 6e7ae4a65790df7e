/**
 * CI check: fails when any package's src/ has a runtime import cycle (see import-cycles.ts) other
 * than the known ones below, or when a known one changes its files.
 *
 *   node --import tsx tools/structure/check-import-cycles.ts
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importCycles, importGraph } from './import-cycles.js';

/** Accepted cycles, by package, each with why it is safe: a cycle that grows or a new one fails. */
const KNOWN: Record<string, { files: string[]; why: string }[]> = {
  'tensor-core': [{
    files: ['ops/elementwise/binary.ts', 'ops/layout/expand.ts', 'ops/reduce/reduce.ts', 'ops/reduce/sum-to-shape.ts'],
    // Only backward rules close it, inside functions (never at module evaluation).
    why: 'adjoint ops: the gradient of sum is expand, of expand and broadcasting binary ops sumToShape (a sum), of max an eq mask',
  }],
};

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
let failed = false;
for (const name of readdirSync(join(repo, 'packages')).sort()) {
  const src = join(repo, 'packages', name, 'src');
  if (!existsSync(src)) continue;
  const graph = importGraph(src);
  const known = KNOWN[name] ?? [];
  const cycles = importCycles(graph);
  const isKnown = (cycle: string[]) => known.some((k) => k.files.length === cycle.length && k.files.every((f) => cycle.includes(f)));
  for (const cycle of cycles.filter((c) => !isKnown(c))) {
    failed = true;
    console.error(`packages/${name}/src: runtime import cycle of ${cycle.length} files: ${cycle.join(', ')}`);
  }
  const accepted = cycles.length - cycles.filter((c) => !isKnown(c)).length;
  console.log(`packages/${name}/src: ${graph.size} files, ${accepted} known runtime import cycle(s), ${cycles.length - accepted} new`);
}
if (failed) {
  console.error('make one side import the other only as a type (import type), or move the shared piece into a module both import');
  process.exit(1);
}
