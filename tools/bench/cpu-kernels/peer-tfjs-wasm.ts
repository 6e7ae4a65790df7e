/**
 * tfjs with the WebAssembly backend (XNNPACK) multiplying square matrices.
 *   --threads 1: as shipped in Node (SIMD, one thread: tfjs turns wasm threads off under Node).
 *   --threads N: SIMD + N threads through a shim, since tfjs hands Emscripten its pthread worker
 *   script and main script as Blob URLs, which Node's worker_threads cannot load: JS blobs are
 *   written to temp files and the worker resolves the main script's "object URL" to that file.
 * Emscripten's pthread workers keep the process alive, hence process.exit at the end.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchInput, emit, measure, numberArg, sizesFromArgs, type Timing } from './measure.js';

const threads = numberArg(process.argv, 'threads', 1);
const sizes = sizesFromArgs(process.argv);

if (threads > 1) {
  installBlobFileShim();
  // XNNPACK's pool defaults to half the logical cores Emscripten reports (os.cpus() in Node).
  const os = await import('node:os');
  const cpus = os.cpus();
  os.default.cpus = () => Array.from({ length: 2 * threads }, (_, i) => cpus[i % cpus.length]);
}

const tf = await import('@tensorflow/tfjs');
const wasm = await import('@tensorflow/tfjs-backend-wasm');
if (threads > 1) {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  wasm.setThreadsCount(threads);
}
await tf.setBackend('wasm');
await tf.ready();
const actual = wasm.getThreadsCount();
const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');

const out: Record<string, Timing> = {};
for (const n of sizes) {
  const a = tf.tensor2d(benchInput(n * n, 1), [n, n]);
  const b = tf.tensor2d(benchInput(n * n, 2), [n, n]);
  out[n] = await measure(() => {
    const c = tf.matMul(a, b);
    c.dataSync();
    c.dispose();
  });
  a.dispose();
  b.dispose();
}
emit({ peer: threads > 1 ? `tfjs-wasm simd ${threads}t` : 'tfjs-wasm stock', note: `simd=${simd} threads=${actual}`, sizes: out });
process.exit(0);

function installBlobFileShim(): void {
  const dir = mkdtempSync(join(tmpdir(), 'tfjs-wasm-'));
  let mainScript = '';
  let count = 0;
  const NodeBlob = globalThis.Blob;
  class FileBackedBlob extends NodeBlob {
    readonly path: string | null = null;
    constructor(parts: BlobPart[], opts?: BlobPropertyBag) {
      super(parts, opts);
      if (/javascript/.test(opts?.type ?? '') && parts.every((p) => typeof p === 'string')) {
        let text = (parts as string[]).join('');
        if (text.startsWith('var WasmBackendModule')) {
          // The factory's source comes from tfjs's Node bundle, whose rollup names Node modules require$$N.
          text = `var commonjsGlobal = globalThis, require$$0 = require('fs'), require$$1 = require('path'), require$$3 = require('perf_hooks'), require$$4 = require('os');\n${text}`;
          this.path = join(dir, `main-${count++}.js`);
          mainScript = this.path;
        } else {
          this.path = join(dir, `worker-${count++}.js`);
          // The worker is sent the main script as a Blob and loads it through createObjectURL.
          text = `URL.createObjectURL = () => ${JSON.stringify(mainScript)}; URL.revokeObjectURL = () => {};\n${text}`;
        }
        writeFileSync(this.path, text);
      }
    }
  }
  globalThis.Blob = FileBackedBlob as typeof Blob;
  const create = URL.createObjectURL;
  URL.createObjectURL = (obj: Blob) => (obj instanceof FileBackedBlob && obj.path ? obj.path : create(obj));
}
