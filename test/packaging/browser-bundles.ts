/**
 * Browser bundles of the published packages, as a consumer's bundler makes them: each page in
 * pages/ imports one package by name and esbuild bundles it for `platform: 'browser'` from the
 * built `dist/` (run `pnpm build` first) with no externals, so every Node built-in must be mapped
 * away by the package's `browser` field. The runner fails if a bundle pulls in Dawn (`webgpu`) or
 * sharp, if any dist file (cli aside) imports a Node built-in without `node:`, or if a page's check
 * fails in headless Chromium (served cross-origin isolated, so the CPU kernels may use workers).
 * Prints each bundle's size. Usage: node --import tsx test/packaging/browser-bundles.ts
 * Env: LORAFLOW_CHROMIUM (default /usr/bin/chromium).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import type { PageReport } from './pages/page-report.js';
import { publishedPackages } from './published-packages.js';

const OPTIONS = {
  chromium: process.env.LORAFLOW_CHROMIUM || '/usr/bin/chromium',
  pageTimeoutMs: 120_000,
  /** The packages that make sense in a browser; each has pages/<name>.page.ts. */
  packages: ['tensor-core', 'flow-samplers', 'lora-adapters', 'pca-rerank', 'datasets', 'captioning', 'flow-dit', 'trainer', 'i2l-model'],
  /** Packages whose dist may use bare built-in names (a Node-only command line). */
  nodeOnly: ['cli'],
};

const CHROMIUM_FLAGS = ['--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const root = fileURLToPath(new URL('../../', import.meta.url));
const pagesDir = fileURLToPath(new URL('./pages/', import.meta.url));

/** What must never reach a browser bundle: Dawn's native module and sharp's libvips. */
const FORBIDDEN_INPUT = /node_modules\/(\.pnpm\/)?(webgpu|sharp|@img)[@/]/;
const FORBIDDEN_TEXT = /dawn\.node|libvips/;

/** The hook's rule: built files name Node built-ins with `node:`, so a browser bundler can tell them from packages. */
async function strippedBuiltins(): Promise<string[]> {
  const names = builtinModules.filter((m) => !m.startsWith('_')).map((m) => m.replace(/[/\\^$.*+?()[\]{}|]/g, '\\$&'));
  const bare = new RegExp(`(?:\\bfrom\\s*|\\bimport\\s*\\(\\s*|\\bimport\\s+)["'](${names.join('|')})["']`, 'g');
  const found: string[] = [];
  for (const name of await readdir(join(root, 'packages'))) {
    if (OPTIONS.nodeOnly.includes(name) || !existsSync(join(root, 'packages', name, 'dist'))) continue;
    for (const file of await readdir(join(root, 'packages', name, 'dist'))) {
      if (!file.endsWith('.js')) continue;
      const text = await readFile(join(root, 'packages', name, 'dist', file), 'utf8');
      for (const m of text.matchAll(bare)) found.push(`packages/${name}/dist/${file} imports "${m[1]}"`);
    }
  }
  return found;
}

interface Bundle {
  name: string;
  code: string;
  bytes: number;
  gzipBytes: number;
}

/**
 * Bundles one page the way a consumer's esbuild would, resolving `@loraflow/*` to the built packages.
 * `tsconfig` names an empty one: the repo's `paths` (to src/) would otherwise apply to dist files,
 * which sit outside node_modules here but inside it in a consumer's install.
 */
async function bundle(name: string, nodeModules: string, tsconfig: string): Promise<Bundle> {
  const result = await build({
    entryPoints: [join(pagesDir, `${name}.page.ts`)],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
    nodePaths: [nodeModules],
    tsconfig,
  });
  const inputs = Object.keys(result.metafile.inputs);
  const fromSource = inputs.filter((f) => /packages\/[^/]+\/src\//.test(f));
  if (fromSource.length) throw new Error(`${name}: bundled package sources instead of dist: ${fromSource.slice(0, 3).join(', ')}`);
  // "(disabled):" inputs are the empty modules a `browser: { name: false }` map stands in with.
  const forbidden = inputs.filter((f) => !f.startsWith('(disabled):') && FORBIDDEN_INPUT.test(f));
  if (forbidden.length) throw new Error(`${name}: the browser bundle pulls in Node-only packages: ${forbidden.slice(0, 3).join(', ')}`);
  const code = result.outputFiles[0].text;
  const text = FORBIDDEN_TEXT.exec(code);
  if (text) throw new Error(`${name}: the browser bundle contains "${text[0]}"`);
  if (result.warnings.length) throw new Error(`${name}: esbuild warned: ${result.warnings.map((w) => w.text).join('; ')}`);
  return { name, code, bytes: Buffer.byteLength(code), gzipBytes: gzipSync(code).length };
}

/** A node_modules with each workspace package linked by name, as an install would have them. */
async function linkPackages(dir: string): Promise<string> {
  const scope = join(dir, 'node_modules', '@loraflow');
  await mkdir(scope, { recursive: true });
  for (const name of await publishedPackages(root)) {
    await symlink(join(root, 'packages', name), join(scope, name), 'dir');
  }
  return join(dir, 'node_modules');
}

async function runPages(bundles: Bundle[]): Promise<{ name: string; report: PageReport; logs: string[] }[]> {
  const byPath = new Map(bundles.map((b) => [`/${b.name}.js`, b.code]));
  const server = createServer((req, res) => {
    // Cross-origin isolation turns on SharedArrayBuffer, so the CPU backend can start its workers.
    const isolation = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };
    const url = req.url ?? '/';
    const code = byPath.get(url);
    const page = /^\/([a-z0-9-]+)\.html$/.exec(url);
    if (code) res.writeHead(200, { 'content-type': 'text/javascript', ...isolation }).end(code);
    else if (url === '/favicon.ico') res.writeHead(204).end();
    else if (page && byPath.has(`/${page[1]}.js`)) res.writeHead(200, { 'content-type': 'text/html', ...isolation }).end(`<!doctype html><meta charset="utf-8"><title>${page[1]}</title><script type="module" src="/${page[1]}.js"></script>`);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const browser = await chromium.launch({ executablePath: OPTIONS.chromium, headless: true, args: CHROMIUM_FLAGS });
  const results: { name: string; report: PageReport; logs: string[] }[] = [];
  try {
    for (const { name } of bundles) {
      const page = await browser.newPage();
      const logs: string[] = [];
      page.on('console', (m) => { if (m.type() === 'error') logs.push(`[console error] ${m.text()}`); });
      page.on('pageerror', (e) => logs.push(`[page error] ${e.message}`));
      await page.goto(`http://127.0.0.1:${port}/${name}.html`);
      let report: PageReport;
      try {
        await page.waitForFunction(() => (globalThis as { __loraflowResult?: unknown }).__loraflowResult !== undefined, null, { timeout: OPTIONS.pageTimeoutMs });
        report = (await page.evaluate(() => (globalThis as unknown as { __loraflowResult: unknown }).__loraflowResult)) as PageReport;
      } catch (error) {
        report = { ok: false, detail: `no result: ${(error as Error).message.split('\n')[0]}`, exports: 0 };
      }
      results.push({ name, report, logs });
      await page.close();
    }
  } finally {
    await browser.close();
    server.close();
  }
  return results;
}

async function main(): Promise<void> {
  const stripped = await strippedBuiltins();
  if (stripped.length) throw new Error(`built files import Node built-ins without "node:":\n  ${stripped.join('\n  ')}`);
  const dir = await mkdtemp(join(tmpdir(), 'loraflow-bundles-'));
  let bundles: Bundle[];
  try {
    const nodeModules = await linkPackages(dir);
    const tsconfig = join(dir, 'tsconfig.json');
    await writeFile(tsconfig, '{}');
    bundles = [];
    for (const name of OPTIONS.packages) bundles.push(await bundle(name, nodeModules, tsconfig));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const results = await runPages(bundles);
  let failed = 0;
  for (const { name, report, logs } of results) {
    const b = bundles.find((x) => x.name === name)!;
    const size = `${(b.bytes / 1024).toFixed(0)} KiB min, ${(b.gzipBytes / 1024).toFixed(0)} KiB gzip`;
    const ok = report.ok && logs.length === 0;
    if (!ok) failed++;
    console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${name.padEnd(14)} ${size.padEnd(28)} ${report.exports} exports; ${report.detail}`);
    for (const line of logs) console.log(`       ${line}`);
  }
  if (failed) {
    console.error(`browser bundles FAILED: ${failed} of ${results.length} pages (${relative(process.cwd(), pagesDir)})`);
    process.exit(1);
  }
  console.log(`browser bundles passed: ${results.length} packages bundled with esbuild (platform browser, no externals) and run in Chromium`);
}

main().catch((error: unknown) => {
  console.error(`browser bundles FAILED: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
