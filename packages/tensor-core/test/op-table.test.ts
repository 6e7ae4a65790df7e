import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { opTable, OP_TABLE_END, OP_TABLE_START, TENSOR_CORE, withOpTable } from '../../../tools/structure/op-table.js';

describe('the "where op X lives" table in README.md', () => {
  const table = opTable(join(TENSOR_CORE, 'src'));

  it('is what tools/structure/op-table.ts generates from the sources (run it with --write after moving an op or kernel)', () => {
    const readme = readFileSync(join(TENSOR_CORE, 'README.md'), 'utf8');
    expect(readme).toContain(OP_TABLE_START);
    expect(readme).toContain(OP_TABLE_END);
    expect(withOpTable(readme, table)).toBe(readme);
  });

  it('has a row for every op file under src/ops/', () => {
    const opFiles = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? opFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []);
    const machinery = ['op-result.ts', 'tensor-ops.ts', 'tensor-methods.ts'];
    const files = opFiles(join(TENSOR_CORE, 'src', 'ops')).filter((f) => !machinery.some((m) => f.endsWith(`/ops/${m}`)));
    for (const f of files) expect(table, f).toContain(`| \`${f.slice(join(TENSOR_CORE, 'src').length + 1)}\` |`);
  });
});
