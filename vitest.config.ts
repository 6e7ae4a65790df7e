import { readdirSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));
const packages = readdirSync(`${root}packages`).filter((name) => existsSync(`${root}packages/${name}/package.json`));
const examples = readdirSync(`${root}examples`).filter((name) => existsSync(`${root}examples/${name}/test`));

/** Tests import sibling packages from source, so no build is needed before `vitest run`. */
const alias = packages.map((name) => ({
  find: new RegExp(`^@loraflow/${name}$`),
  replacement: `${root}packages/${name}/src/index.ts`,
}));

export default defineConfig({
  resolve: { alias },
  test: {
    projects: packages
      .filter((name) => existsSync(`${root}packages/${name}/test`))
      .map((name) => ({
        extends: true,
        test: {
          name,
          root: `${root}packages/${name}`,
          include: ['test/**/*.test.ts'],
          exclude: ['test/browser/**'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      }))
      .concat([
        {
          extends: true,
          test: { name: 'docs', root: `${root}docs`, include: ['test/**/*.test.ts'], exclude: [], testTimeout: 300_000, hookTimeout: 120_000 },
        },
      ])
      .concat(
        examples.map((name) => ({
          extends: true,
          test: { name: `example-${name}`, root: `${root}examples/${name}`, include: ['test/**/*.test.ts'], exclude: [], testTimeout: 600_000, hookTimeout: 120_000 },
        })),
      ),
  },
});
