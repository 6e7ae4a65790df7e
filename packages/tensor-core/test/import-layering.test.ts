import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importCycles, importGraph, runtimeImports } from '../../../tools/structure/import-cycles.js';
import { TENSOR_CORE } from '../../../tools/structure/op-table.js';

describe('import layering (tools/structure/import-cycles.ts, run over every package by .ci/run)', () => {
  it('counts value imports and re-exports, not type-only ones or import()', () => {
    const source = [
      "import type { A } from './a.js';",
      "import { type B, type C } from './b.js';",
      "import { type D, e } from './d.js';",
      "import './side-effect.js';",
      "export type { F } from './f.js';",
      "export { g } from './g.js';",
      "import { h } from 'node:path';",
      "const lazy = () => import('./lazy.js');",
    ].join('\n');
    expect(runtimeImports(source)).toEqual(['./d.js', './side-effect.js', './g.js']);
  });

  it('finds each strongly connected group of files once, and no self-free acyclic chain', () => {
    const graph = new Map([['a', ['b']], ['b', ['c']], ['c', ['a', 'd']], ['d', []], ['e', ['d']]]);
    expect(importCycles(graph)).toEqual([['a', 'b', 'c']]);
  });

  it('tensor.ts is in no runtime import cycle: the ops import it and it imports no op', () => {
    const graph = importGraph(join(TENSOR_CORE, 'src'));
    expect(graph.get('tensor.ts')!.filter((f) => f.startsWith('ops/'))).toEqual([]);
    expect(importCycles(graph).filter((c) => c.includes('tensor.ts'))).toEqual([]);
  });
});
