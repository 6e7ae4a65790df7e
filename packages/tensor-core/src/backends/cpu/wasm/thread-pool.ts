import { CLOSED_FLAG, Ctrl, FAILED_BUMP, MAX_PHASES, SPIN_POLLS } from './thread-control.js';
import { workerSource } from './worker-source.js';
import { WasmKernelError } from './wasm-kernel-error.js';

/** One phase of a job: which exported function runs it, and where its completion is counted. */
export interface JobPhase {
  /** Index into the pool's phase function list. */
  fn: number;
  /** Word index (i32 index into memory) of the counter the phase's items increment when done. */
  doneWord: number;
  /** Number of items; the phase is over when the counter reaches it. */
  total: number;
}

/** Starts a worker from inline source and resolves once it has instantiated the module. */
type WorkerHandle = { terminate(): void };

/**
 * Runs jobs on the calling thread plus `threads - 1` workers that share one wasm memory.
 * `run` is synchronous: the caller works through the items too, then waits (Atomics.wait in
 * Node and in workers, polling on a browser main thread where waiting is not allowed).
 */
export class ThreadPool {
  private readonly ctrl: Int32Array;
  private disposed = false;

  private constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly phaseFns: ((job: number) => void)[],
    private readonly workers: WorkerHandle[],
    private readonly canBlock: boolean,
  ) {
    this.ctrl = new Int32Array(memory.buffer, 0, 1024);
  }

  /** Threads that take part in a job, the caller included. */
  get threads(): number {
    return this.workers.length + 1;
  }

  /** Instantiates the module here and in `threads - 1` workers. */
  static async create(
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    phaseNames: readonly string[],
    threads: number,
  ): Promise<ThreadPool> {
    const inst = await WebAssembly.instantiate(module, { env: { memory } });
    const phaseFns = phaseNames.map((n) => {
      const fn = inst.exports[n];
      if (typeof fn !== 'function') throw new WasmKernelError(`kernel module: no exported phase function "${n}"`);
      return fn as (job: number) => void;
    });
    const init = { module, memory, phaseNames: [...phaseNames] };
    const workers = await Promise.all(Array.from({ length: threads - 1 }, () => startWorker(init)));
    return new ThreadPool(memory, phaseFns, workers, callerCanBlock(memory));
  }

  /**
   * Runs the phases of the job at `job` (byte address) to completion on all threads, or on the
   * calling thread alone when `solo` (small jobs, where waking workers costs more than it saves).
   */
  run(job: number, phases: readonly JobPhase[], solo = false): void {
    if (this.disposed) throw new WasmKernelError('ThreadPool.run: the pool was disposed');
    if (phases.length > MAX_PHASES) throw new WasmKernelError(`ThreadPool.run: ${phases.length} phases, at most ${MAX_PHASES}`);
    const c = this.ctrl;
    const mem = new Int32Array(this.memory.buffer, 0, 1024);
    const parallel = this.workers.length > 0 && !solo;
    if (parallel) {
      c[Ctrl.job] = job;
      c[Ctrl.phases] = phases.length;
      phases.forEach((p, i) => {
        c[Ctrl.phase0 + 3 * i] = p.fn;
        c[Ctrl.phase0 + 3 * i + 1] = p.doneWord;
        c[Ctrl.phase0 + 3 * i + 2] = p.total;
      });
      Atomics.store(c, Ctrl.state, 0);
      Atomics.add(c, Ctrl.gen, 1);
      Atomics.notify(c, Ctrl.gen);
    }
    let error: unknown = null;
    for (const p of phases) {
      try {
        this.phaseFns[p.fn](job);
      } catch (e) {
        error = e;
        if (parallel && Atomics.compareExchange(c, Ctrl.failed, 0, 1) === 0) {
          // Release workers waiting at any barrier of this job.
          for (const q of phases) {
            Atomics.add(mem, q.doneWord, FAILED_BUMP);
            Atomics.notify(mem, q.doneWord);
          }
        }
        break;
      }
      if (!parallel) continue;
      Atomics.notify(mem, p.doneWord);
      this.waitUntilAtLeast(mem, p.doneWord, p.total);
      if (Atomics.load(c, Ctrl.failed) !== 0) break;
    }
    if (parallel) {
      // Close the job; workers still inside are only returning, wait for them so the next job
      // may reuse the descriptor.
      let s = Atomics.add(c, Ctrl.state, CLOSED_FLAG) + CLOSED_FLAG;
      let polls = 0;
      while (s !== CLOSED_FLAG) {
        if (this.canBlock && ++polls > SPIN_POLLS) Atomics.wait(c, Ctrl.state, s);
        s = Atomics.load(c, Ctrl.state);
      }
      if (Atomics.exchange(c, Ctrl.failed, 0) !== 0 && error === null) {
        error = new WasmKernelError('a wasm kernel worker thread failed (trapped) while running the job');
      }
    }
    if (error !== null) {
      throw error instanceof WasmKernelError ? error : new WasmKernelError(`wasm kernel failed: ${(error as Error)?.message ?? String(error)}`);
    }
  }

  /** Stops the workers. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    Atomics.store(this.ctrl, Ctrl.shutdown, 1);
    Atomics.add(this.ctrl, Ctrl.gen, 1);
    Atomics.notify(this.ctrl, Ctrl.gen);
    for (const w of this.workers) w.terminate();
  }

  private waitUntilAtLeast(view: Int32Array, index: number, target: number): void {
    let v = Atomics.load(view, index);
    let polls = 0;
    while (v < target) {
      if (this.canBlock && ++polls > SPIN_POLLS) Atomics.wait(view, index, v);
      v = Atomics.load(view, index);
    }
  }
}

interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  phaseNames: string[];
}

const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

async function startWorker(init: WorkerInit): Promise<WorkerHandle> {
  const src = workerSource();
  if (isNode) {
    const { Worker } = await import('node:worker_threads');
    // execArgv: [] keeps loaders such as tsx (inherited by default) out of the workers.
    const w = new Worker(src, { eval: true, workerData: init, execArgv: [] });
    // Idle workers sit in Atomics.wait; unref so they never keep the process alive.
    w.unref();
    await new Promise<void>((resolve, reject) => {
      w.once('message', () => resolve());
      w.once('error', (e) => reject(new WasmKernelError(`wasm kernel worker failed to start: ${e.message}`)));
    });
    return { terminate: () => void w.terminate() };
  }
  const url = URL.createObjectURL(new Blob([src], { type: 'text/javascript' }));
  const w = new Worker(url);
  try {
    await new Promise<void>((resolve, reject) => {
      w.onmessage = () => resolve();
      w.onerror = (e) => reject(new WasmKernelError(`wasm kernel worker failed to start: ${e.message}`));
      w.postMessage(init);
    });
  } finally {
    URL.revokeObjectURL(url);
  }
  return { terminate: () => w.terminate() };
}

/** Atomics.wait throws on a browser's main thread; there the caller polls instead. */
function callerCanBlock(memory: WebAssembly.Memory): boolean {
  // SharedArrayBuffer is not even defined on pages that are not cross-origin isolated.
  if (typeof SharedArrayBuffer === 'undefined' || !(memory.buffer instanceof SharedArrayBuffer)) return false;
  try {
    Atomics.wait(new Int32Array(memory.buffer, 0, 1), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}
