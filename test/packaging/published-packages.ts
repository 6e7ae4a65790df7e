/** The workspace packages a consumer can install: every packages/<name> with a manifest that is not private. */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Names (folder names under packages/) of the published packages, sorted; throws when one is not built. */
export async function publishedPackages(root: string): Promise<string[]> {
  const names: string[] = [];
  for (const name of (await readdir(join(root, 'packages'))).sort()) {
    const manifestPath = join(root, 'packages', name, 'package.json');
    if (!existsSync(manifestPath)) continue;
    // Private workspace packages (the fuzz harness) are never published, so they have no dist.
    if ((JSON.parse(await readFile(manifestPath, 'utf8')) as { private?: boolean }).private) continue;
    if (!existsSync(join(root, 'packages', name, 'dist', 'index.js'))) throw new Error(`packages/${name}/dist is missing: run pnpm build first`);
    names.push(name);
  }
  return names;
}
