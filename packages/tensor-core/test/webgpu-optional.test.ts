import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DAWN_PACKAGE } from '../src/backends/webgpu/webgpu-device.js';

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
};

describe('webgpu (Dawn) is an optional peer', () => {
  it('is not a dependency, so a consumer install leaves the 130 MB native module out', () => {
    expect(manifest.dependencies?.[DAWN_PACKAGE.name]).toBeUndefined();
    expect(manifest.peerDependenciesMeta?.[DAWN_PACKAGE.name]?.optional).toBe(true);
  });

  it('the install hint names the version the package declares', () => {
    expect(manifest.peerDependencies?.[DAWN_PACKAGE.name]).toBe(DAWN_PACKAGE.version);
  });
});
