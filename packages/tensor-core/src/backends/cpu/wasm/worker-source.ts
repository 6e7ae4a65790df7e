import { CLOSED_FLAG, Ctrl, FAILED_BUMP, SPIN_POLLS } from './thread-control.js';

/**
 * JavaScript source of a pool worker, run with `new Worker(src, { eval: true })` in Node or from a
 * Blob URL in browsers, so it works from TS source (vitest, tsx) and from the bundle alike.
 * It instantiates the kernel module on the shared memory, says 'ready', then loops: wait for a
 * new job, join it unless it is already closed, run each phase (claiming work items inside wasm)
 * and wait for the phase's items to be done before the next one, leave. A phase that throws
 * (a trap) marks the job failed and releases every barrier; the worker keeps serving.
 * The same protocol, for the calling thread, is in thread-pool.ts.
 */
export function workerSource(): string {
  return `"use strict";
const C = ${JSON.stringify(Ctrl)};
const CLOSED = ${CLOSED_FLAG};
const SPIN = ${SPIN_POLLS};
const BUMP = ${FAILED_BUMP};
function waitWhile(view, index, value) {
  for (let i = 0; i < SPIN; i++) if (Atomics.load(view, index) !== value) return;
  while (Atomics.load(view, index) === value) Atomics.wait(view, index, value);
}
function waitUntilAtLeast(view, index, target) {
  let v = Atomics.load(view, index), i = 0;
  while (v < target) {
    if (++i > SPIN) Atomics.wait(view, index, v);
    v = Atomics.load(view, index);
  }
}
function serve(init, post) {
  const { module, memory, phaseNames } = init;
  const inst = new WebAssembly.Instance(module, { env: { memory } });
  const fns = phaseNames.map((n) => inst.exports[n]);
  const ctrl = new Int32Array(memory.buffer, 0, 1024);
  // Read the generation before saying ready: a job dispatched right after 'ready' must look new.
  let seen = Atomics.load(ctrl, C.gen);
  post('ready');
  for (;;) {
    waitWhile(ctrl, C.gen, seen);
    seen = Atomics.load(ctrl, C.gen);
    if (Atomics.load(ctrl, C.shutdown) !== 0) break;
    let s = Atomics.load(ctrl, C.state);
    let joined = false;
    while ((s & CLOSED) === 0) {
      const prev = Atomics.compareExchange(ctrl, C.state, s, s + 1);
      if (prev === s) { joined = true; break; }
      s = prev;
    }
    if (!joined) continue;
    seen = Atomics.load(ctrl, C.gen);
    const job = Atomics.load(ctrl, C.job);
    const phases = Atomics.load(ctrl, C.phases);
    const mem = new Int32Array(memory.buffer, 0, 1024);
    for (let p = 0; p < phases; p++) {
      const base = C.phase0 + 3 * p;
      try {
        fns[ctrl[base]](job);
      } catch (e) {
        if (Atomics.compareExchange(ctrl, C.failed, 0, 1) === 0) {
          for (let q = 0; q < phases; q++) {
            Atomics.add(mem, ctrl[C.phase0 + 3 * q + 1], BUMP);
            Atomics.notify(mem, ctrl[C.phase0 + 3 * q + 1]);
          }
        }
        break;
      }
      Atomics.notify(mem, ctrl[base + 1]);
      waitUntilAtLeast(mem, ctrl[base + 1], ctrl[base + 2]);
      if (Atomics.load(ctrl, C.failed) !== 0) break;
    }
    if (Atomics.sub(ctrl, C.state, 1) - 1 === CLOSED) Atomics.notify(ctrl, C.state);
  }
}
if (typeof self === 'undefined') {
  // Dynamic import works whether Node runs this eval source as CommonJS or as a module.
  import('node:worker_threads').then(({ parentPort, workerData }) => serve(workerData, (m) => parentPort.postMessage(m)));
} else {
  self.onmessage = (e) => serve(e.data, (m) => self.postMessage(m));
}
`;
}
