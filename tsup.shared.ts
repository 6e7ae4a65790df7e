import type { Options } from 'tsup';

/**
 * The build every package uses: ESM with declarations and source maps. `removeNodeProtocol: false`
 * keeps `node:` on built-in imports (tsup strips it by default), so a browser bundler can tell a
 * Node built-in from a package and apply the package's `browser` map instead of failing on "os".
 */
export function packageBuild(entry: string[]): Options {
  return {
    entry,
    format: ['esm'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    removeNodeProtocol: false,
  };
}
