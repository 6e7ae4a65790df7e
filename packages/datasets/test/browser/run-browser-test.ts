/**
 * Browser test for @loraflow/datasets: bundles image-codec.page.ts (the package from source, sharp excluded
 * through the package's "browser" field), opens it in the system Chromium through playwright-core, and checks
 * decode / encode / resize on createImageBitmap + OffscreenCanvas against pixels built here, and that the scene
 * renderer draws byte-identical images in the browser and in Node.
 * Usage: node --import tsx packages/datasets/test/browser/run-browser-test.ts   (or `pnpm test:browser` in the package)
 * Env: LORAFLOW_CHROMIUM (default /usr/bin/chromium).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { build } from 'tsup';
import { decodeImage, renderScene } from '../../src/index.js';
import { handmadePng, randomBytes } from '../png-fixture.js';
import type { PageImage, PageTask } from './image-codec.page.js';

const CHROMIUM = process.env.LORAFLOW_CHROMIUM || '/usr/bin/chromium';

async function bundle(outDir: string): Promise<string> {
  await build({
    entry: { page: fileURLToPath(new URL('./image-codec.page.ts', import.meta.url)) },
    outDir, format: ['esm'], platform: 'browser', target: 'es2022', bundle: true, splitting: false,
    dts: false, sourcemap: false, silent: true, config: false,
  });
  const code = await readFile(join(outDir, 'page.js'), 'utf8');
  if (/libvips|sharp-[a-z]+-[a-z0-9]+|require\("sharp"\)/.test(code)) throw new Error('the browser bundle contains sharp');
  return code;
}

interface Check { name: string; ok: boolean; detail: string }

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

async function checks(page: Page): Promise<Check[]> {
  const run = <T>(task: PageTask) => page.evaluate((t) => (window as unknown as { __loraflowRun: (t: PageTask) => Promise<unknown> }).__loraflowRun(t), task) as Promise<T>;
  const out: Check[] = [];
  const check = (name: string, ok: boolean, detail: string) => out.push({ name, ok, detail });

  check('imageCodec() picks the browser codec', await run<boolean>({ kind: 'codec' }), '');

  const rgb = randomBytes(7 * 5 * 3, 11);
  const dec = await run<PageImage>({ kind: 'decode', png: Array.from(handmadePng(7, 5, 3, rgb)), channels: 3 });
  check('decode hand-built RGB PNG exactly', dec.width === 7 && dec.height === 5 && dec.channels === 3 && maxDiff(dec.data, rgb) === 0, `max diff ${maxDiff(dec.data, rgb)}`);

  const rgba = randomBytes(6 * 4 * 4, 12, 128, 255);
  const decA = await run<PageImage>({ kind: 'decode', png: Array.from(handmadePng(6, 4, 4, rgba)), channels: 4 });
  const alphaDiff = maxDiff(decA.data.filter((_, i) => i % 4 === 3), rgba.filter((_, i) => i % 4 === 3));
  // The canvas stores premultiplied alpha, so colour under alpha >= 128 may be off by one or two levels.
  const colourDiff = maxDiff(decA.data.filter((_, i) => i % 4 !== 3), rgba.filter((_, i) => i % 4 !== 3));
  check('decode RGBA PNG: alpha exact, colour within 2', decA.channels === 4 && alphaDiff === 0 && colourDiff <= 2, `alpha ${alphaDiff}, colour ${colourDiff}`);

  const image: PageImage = { width: 9, height: 6, channels: 3, data: Array.from(randomBytes(9 * 6 * 3, 13)) };
  const png = Uint8Array.from(await run<number[]>({ kind: 'encode', image }));
  const back = await decodeImage(png);
  check('encodePng in the browser decodes to the same pixels in Node', maxDiff(back.data, image.data) === 0, `max diff ${maxDiff(back.data, image.data)}`);

  const small: PageImage = { width: 3, height: 2, channels: 3, data: Array.from(randomBytes(18, 14)) };
  const big = await run<PageImage>({ kind: 'resize', image: small, width: 6, height: 4, kernel: 'nearest' });
  let nearestDiff = 0;
  for (let y = 0; y < 4; y++) for (let x = 0; x < 6; x++) for (let c = 0; c < 3; c++) {
    nearestDiff = Math.max(nearestDiff, Math.abs(big.data[(y * 6 + x) * 3 + c] - small.data[((y >> 1) * 3 + (x >> 1)) * 3 + c]));
  }
  check('nearest 2x upscale repeats pixels', big.width === 6 && big.height === 4 && nearestDiff === 0, `max diff ${nearestDiff}`);

  const ramp: PageImage = { width: 64, height: 8, channels: 3, data: [] };
  for (let y = 0; y < 8; y++) for (let x = 0; x < 64; x++) ramp.data.push(20 + 3 * x, 20 + 3 * x, 20 + 3 * x);
  const down = await run<PageImage>({ kind: 'resize', image: ramp, width: 16, height: 2, kernel: 'linear' });
  let rampDiff = 0;
  for (let x = 2; x < 14; x++) rampDiff = Math.max(rampDiff, Math.abs(down.data[x * 3] - (20 + 3 * ((x + 0.5) * 4 - 0.5))));
  check('linear downscale of a ramp gives the ramp at pixel centres (within 2)', rampDiff <= 2, `max diff ${rampDiff}`);

  for (const theme of ['cherry-blossom', 'night-city', 'underwater']) {
    const browser = await run<PageImage>({ kind: 'scene', theme, seed: 7, width: 96, height: 64 });
    const node = renderScene({ theme, seed: 7, width: 96, height: 64 }).image;
    check(`scene ${theme} renders byte-identical in browser and Node`, maxDiff(browser.data, node.data) === 0, `max diff ${maxDiff(browser.data, node.data)}`);
  }
  return out;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'loraflow-datasets-browser-'));
  const code = await bundle(dir);
  const html = '<!doctype html><meta charset="utf-8"><title>loraflow datasets</title><script type="module" src="/page.js"></script>';
  const server = createServer((req, res) => {
    if (req.url === '/page.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(code);
    else if (req.url === '/' || req.url === '/index.html') res.writeHead(200, { 'content-type': 'text/html' }).end(html);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--no-first-run', '--disable-background-networking'] });
  let results: Check[];
  try {
    const page = await browser.newPage();
    const logs: string[] = [];
    page.on('pageerror', (e) => logs.push(`[page error] ${e.message}`));
    page.on('console', (m) => logs.push(`[page ${m.type()}] ${m.text()}`));
    await page.goto(`http://127.0.0.1:${port}/`);
    try {
      await page.waitForFunction(() => (window as unknown as { __loraflowReady?: boolean }).__loraflowReady === true, null, { timeout: 60_000 });
    } catch (error) {
      for (const line of logs) console.error(line);
      throw error;
    }
    results = await checks(page);
  } finally {
    await browser.close();
    server.close();
    await rm(dir, { recursive: true, force: true });
  }
  for (const c of results) console.log(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}${c.detail ? ` (${c.detail})` : ''}`);
  const failed = results.filter((c) => !c.ok).length;
  if (failed) {
    console.error(`datasets browser test FAILED: ${failed} of ${results.length} checks`);
    process.exit(1);
  }
  console.log(`datasets browser test passed: ${results.length} checks in Chromium`);
}

main().catch((error: unknown) => {
  console.error(`datasets browser test FAILED: ${error instanceof Error ? error.stack : String(error)}`);
  process.exit(1);
});
