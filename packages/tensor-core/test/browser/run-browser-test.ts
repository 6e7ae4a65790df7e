/**
 * Browser test: bundles op-suite.page.ts (tensor-core from source) with tsup's esbuild, serves it
 * from 127.0.0.1, opens it in the system Chromium (headless, --enable-unsafe-webgpu) through
 * playwright-core, and fails unless every check passed on a navigator.gpu adapter.
 * Usage: node --import tsx packages/tensor-core/test/browser/run-browser-test.ts
 * Env: LORAFLOW_CHROMIUM (default /usr/bin/chromium).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { build } from 'tsup';
import type { PageResult } from './op-suite.page.js';

const OPTIONS = {
  chromium: process.env.LORAFLOW_CHROMIUM || '/usr/bin/chromium',
  timeoutMs: 240_000,
};

const CHROMIUM_FLAGS = ['--enable-unsafe-webgpu', '--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

async function bundle(outDir: string): Promise<string> {
  const entry = fileURLToPath(new URL('./op-suite.page.ts', import.meta.url));
  await build({
    entry: { page: entry },
    outDir,
    format: ['esm'],
    platform: 'browser',
    target: 'es2022',
    bundle: true,
    splitting: false,
    dts: false,
    sourcemap: false,
    silent: true,
    config: false,
    // Keeps node: on built-ins so the package's `browser` field maps them away, as in a consumer's bundle.
    removeNodeProtocol: false,
  });
  return readFile(join(outDir, 'page.js'), 'utf8');
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'loraflow-browser-'));
  const code = await bundle(dir);
  const html = '<!doctype html><meta charset="utf-8"><title>loraflow webgpu</title><script type="module" src="/page.js"></script>';
  const server = createServer((req, res) => {
    if (req.url === '/page.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(code);
    else if (req.url === '/favicon.ico') res.writeHead(204).end();
    else if (req.url === '/' || req.url === '/index.html') res.writeHead(200, { 'content-type': 'text/html' }).end(html);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const browser = await chromium.launch({ executablePath: OPTIONS.chromium, headless: true, args: CHROMIUM_FLAGS });
  let result: PageResult;
  try {
    const page = await browser.newPage();
    const logs: string[] = [];
    page.on('console', (m) => logs.push(`[page ${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => logs.push(`[page error] ${e.message}`));
    await page.goto(`http://127.0.0.1:${port}/`);
    try {
      await page.waitForFunction(() => (window as unknown as { __loraflowResult?: unknown }).__loraflowResult !== undefined, null, { timeout: OPTIONS.timeoutMs });
    } catch (error) {
      for (const line of logs) console.error(line);
      throw error;
    }
    result = (await page.evaluate(() => (window as unknown as { __loraflowResult: unknown }).__loraflowResult)) as PageResult;
    if (!result.ok) for (const line of logs) console.error(line);
  } finally {
    await browser.close();
    server.close();
    await rm(dir, { recursive: true, force: true });
  }
  console.log(`browser test on ${result.device ?? 'no device'}${result.software ? ' (software adapter)' : ''}`);
  for (const c of result.checks) console.log(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name.padEnd(56)} error ${c.error.toExponential(2)} (tol ${c.tol.toExponential(0)})`);
  if (result.error) console.error(`browser test error: ${result.error}`);
  const failed = result.checks.filter((c) => !c.ok).length;
  if (!result.ok || result.checks.length === 0) {
    console.error(`browser test FAILED: ${failed} of ${result.checks.length} checks failed${result.error ? `; ${result.error}` : ''}`);
    process.exit(1);
  }
  console.log(`browser test passed: ${result.checks.length} checks on navigator.gpu`);
}

main().catch((error: unknown) => {
  console.error(`browser test FAILED: ${error instanceof Error ? error.stack : String(error)}`);
  process.exit(1);
});
