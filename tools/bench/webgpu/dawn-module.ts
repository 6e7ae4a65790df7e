import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The `webgpu` (Dawn) module, resolved from tensor-core, which is the workspace package that depends on it. */
export async function loadDawn(): Promise<{ create: (flags: string[]) => GPU; globals: object }> {
  const tensorCore = fileURLToPath(new URL('../../../packages/tensor-core/package.json', import.meta.url));
  const path = createRequire(tensorCore).resolve('webgpu');
  return import(pathToFileURL(path).href);
}
