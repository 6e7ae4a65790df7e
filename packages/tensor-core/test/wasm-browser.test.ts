/**
 * The wasm kernels in real headless Chromium (Debian's /usr/bin/chromium via playwright-core):
 * a page bundled from source runs matmul and attention and checks them against float64 in the
 * page. Served with COOP/COEP headers the page is cross-origin isolated and must get Blob-URL
 * Web Workers on shared memory (the main thread polls instead of Atomics.wait); served without
 * them it must fall back to one thread on unshared memory. Env: LORAFLOW_CHROMIUM.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { build } from 'tsup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CHROMIUM = process.env.LORAFLOW_CHROMIUM || '/usr/bin/chromium';
const WASM_INDEX = fileURLToPath(new URL('../src/backends/cpu/wasm/index.ts', import.meta.url));

/** Page script: runs the kernels and reports errors against float64 references computed in the page. */
const PAGE_SOURCE = `
import { createWasmKernels } from ${JSON.stringify(WASM_INDEX)};

function rand(n, seed) {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) { s ^= s << 13; s ^= s >>> 17; s ^= s << 5; out[i] = ((s >>> 0) / 2 ** 32) * 2 - 1; }
  return out;
}

async function run() {
  const kern = await createWasmKernels();
  // Above the single-thread thresholds, so an isolated page really runs on its workers.
  const m = 160, n = 130, k = 300;
  const a = rand(m * k, 1), b = rand(n * k, 2), out = new Float32Array(m * n);
  kern.matmul(a, b, out, { batch: 1, m, n, k, transA: false, transB: true, aBatchStride: 0, bBatchStride: 0 });
  let matmulErr = 0;
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let ref = 0, mag = 0;
    for (let t = 0; t < k; t++) { ref += a[i * k + t] * b[j * k + t]; mag += Math.abs(a[i * k + t] * b[j * k + t]); }
    matmulErr = Math.max(matmulErr, Math.abs(out[i * n + j] - ref) / mag);
  }
  const bh = 4, sq = 128, sk = 160, d = 32;
  const q = rand(bh * sq * d, 3), kk = rand(bh * sk * d, 4), v = rand(bh * sk * d, 5), o = new Float32Array(bh * sq * d);
  kern.attention(q, kk, v, o, { batchHeads: bh, seqQ: sq, seqK: sk, headDim: d, scale: 0.25, causal: true });
  let attnErr = 0;
  for (let h = 0; h < bh; h++) for (let i = 0; i < sq; i++) {
    const s = [];
    for (let j = 0; j <= Math.min(i, sk - 1); j++) { let acc = 0; for (let t = 0; t < d; t++) acc += q[(h * sq + i) * d + t] * kk[(h * sk + j) * d + t]; s.push(acc * 0.25); }
    const mx = Math.max(...s); const p = s.map((x) => Math.exp(x - mx)); const l = p.reduce((x, y) => x + y, 0);
    for (let t = 0; t < d; t++) {
      let ref = 0, mag = 0;
      p.forEach((pj, j) => { ref += pj * v[(h * sk + j) * d + t]; mag += pj * Math.abs(v[(h * sk + j) * d + t]); });
      attnErr = Math.max(attnErr, Math.abs(o[(h * sq + i) * d + t] - ref / l) / (mag / l));
    }
  }
  const result = { isolated: globalThis.crossOriginIsolated === true, threads: kern.threads, relaxed: kern.relaxedSimd, matmulErr, attnErr };
  kern.dispose();
  return result;
}
window.__result = run().catch((e) => ({ error: String(e && e.stack || e) }));
`;

interface PageResult {
  isolated: boolean;
  threads: number;
  relaxed: boolean;
  matmulErr: number;
  attnErr: number;
  error?: string;
}

let dir: string;
let server: Server;
let base: string;
let browser: Browser;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wasm-browser-'));
  await writeFile(join(dir, 'page.ts'), PAGE_SOURCE);
  await build({
    entry: { page: join(dir, 'page.ts') },
    outDir: dir,
    format: ['esm'],
    platform: 'browser',
    target: 'es2022',
    bundle: true,
    splitting: false,
    dts: false,
    sourcemap: false,
    silent: true,
    config: false,
    // Node-only branches import these dynamically; the browser never reaches them.
    external: ['node:worker_threads', 'node:os', 'node:v8'],
  });
  const script = await readFile(join(dir, 'page.js'), 'utf8');
  server = createServer((req, res) => {
    const isolated = req.url?.startsWith('/isolated') ?? false;
    if (isolated) {
      res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
      res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    }
    if (req.url?.endsWith('/page.js')) {
      res.setHeader('Content-Type', 'text/javascript');
      res.end(script);
    } else {
      res.setHeader('Content-Type', 'text/html');
      res.end('<!doctype html><meta charset="utf-8"><script type="module" src="page.js"></script>');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function pageResult(path: string): Promise<PageResult> {
  const page = await browser.newPage();
  try {
    await page.goto(`${base}${path}`);
    await page.waitForFunction(() => (window as unknown as { __result?: unknown }).__result !== undefined);
    return (await page.evaluate(() => (window as unknown as { __result: Promise<unknown> }).__result)) as PageResult;
  } finally {
    await page.close();
  }
}

describe('wasm kernels in Chromium', () => {
  it('run on Web Workers over shared memory when the page is cross-origin isolated', async () => {
    const r = await pageResult('/isolated/');
    expect(r.error).toBeUndefined();
    expect(r.isolated).toBe(true);
    expect(r.threads).toBeGreaterThanOrEqual(2);
    // Chromium 114+ has relaxed SIMD on by default.
    expect(r.relaxed).toBe(true);
    expect(r.matmulErr).toBeLessThanOrEqual(300 * 6e-8);
    expect(r.attnErr).toBeLessThanOrEqual(1e-5);
  });

  it('fall back to one thread on unshared memory when the page is not isolated', async () => {
    const r = await pageResult('/plain/');
    expect(r.error).toBeUndefined();
    expect(r.isolated).toBe(false);
    expect(r.threads).toBe(1);
    expect(r.matmulErr).toBeLessThanOrEqual(300 * 6e-8);
    expect(r.attnErr).toBeLessThanOrEqual(1e-5);
  });
});
