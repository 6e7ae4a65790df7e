/**
 * Loads tfjs with the WebAssembly backend (XNNPACK) for the CPU benchmarks' peer processes.
 *   threads 1: as shipped in Node (SIMD, one thread: tfjs turns wasm threads off under Node).
 *   threads N: SIMD + N threads through a shim, since tfjs hands Emscripten its pthread worker
 *   script and main script as Blob URLs, which Node's worker_threads cannot load: JS blobs are
 *   written to temp files and the worker resolves the main script's "object URL" to that file.
 * Emscripten's pthread workers keep the process alive: callers end with process.exit.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The loaded tfjs module with what the backend reports about itself. */
export interface TfjsWasm {
  tf: typeof import('@tensorflow/tfjs');
  threads: number;
  simd: boolean;
  /** Peer name for tables: "tfjs-wasm stock" or "tfjs-wasm simd Nt". */
  name: string;
}

/** Imports tfjs, selects the wasm backend and (threads > 1) turns its pthreads on through the shim. */
export async function loadTfjsWasm(threads: number): Promise<TfjsWasm> {
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
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  return { tf, threads: actual, simd, name: threads > 1 ? `tfjs-wasm simd ${threads}t` : 'tfjs-wasm stock' };
}

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
