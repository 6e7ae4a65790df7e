import { describe, expect, it } from 'vitest';
import { ModuleBuilder } from '../src/backends/cpu/wasm/emitter/module-builder.js';
import { ValType } from '../src/backends/cpu/wasm/emitter/opcodes.js';
import { JOB_ADDRESS } from '../src/backends/cpu/wasm/thread-control.js';
import { ThreadPool } from '../src/backends/cpu/wasm/thread-pool.js';
import { WasmKernelError } from '../src/backends/cpu/wasm/wasm-kernel-error.js';

/** Job words: 0 next item, 1 total, 2 done, 3 arrivals, 4 which arrival traps (-1: none); results from byte 256. */
const W = { next: 0, total: 1, done: 2, arrivals: 3, trapArrival: 4 } as const;
const RESULTS = 256;

/**
 * A test module with one phase, `work(job)`: each calling thread counts its arrival and waits
 * until two threads are inside (so both always take part), then claims items and writes
 * item * 3 to the results; the thread whose arrival number equals trapArrival executes
 * `unreachable` (a trap) instead.
 */
function workModule(): Uint8Array<ArrayBuffer> {
  const { i32 } = ValType;
  const mb = new ModuleBuilder().importMemory({ module: 'env', name: 'memory', initial: 1, maximum: 16, shared: true });
  mb.func('work', [i32], [], (f) => {
    const [job] = f.params;
    const item = f.local(i32);
    const arrival = f.local(i32);
    f.get(job).i32(1).i32AtomicAdd(W.arrivals * 4).set(arrival);
    f.loop((wait) => {
      f.get(job).i32AtomicLoad(W.arrivals * 4).i32(2).i32LtS().brIf(wait);
    });
    f.get(arrival).get(job).i32Load(W.trapArrival * 4).i32Eq().ifElse(() => void f.unreachable());
    f.block((exit) => {
      f.loop((again) => {
        f.get(job).i32(1).i32AtomicAdd(W.next * 4).tee(item).get(job).i32Load(W.total * 4).i32GeS().brIf(exit);
        f.get(job).get(item).i32(4).i32Mul().i32Add().get(item).i32(3).i32Mul().i32Store(RESULTS);
        f.get(job).i32(1).i32AtomicAdd(W.done * 4).drop();
        f.br(again);
      });
    });
  });
  return mb.toBytes();
}

async function pool(threads: number) {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 16, shared: true });
  const module = await WebAssembly.compile(workModule());
  return { memory, pool: await ThreadPool.create(module, memory, ['work'], threads) };
}

function runJob(p: ThreadPool, memory: WebAssembly.Memory, total: number, trapArrival: number): Int32Array {
  const w = new Int32Array(memory.buffer, JOB_ADDRESS, 64 + total);
  w.fill(0);
  w[W.total] = total;
  w[W.trapArrival] = trapArrival;
  p.run(JOB_ADDRESS, [{ fn: 0, doneWord: JOB_ADDRESS / 4 + W.done, total }]);
  return w.subarray(RESULTS / 4, RESULTS / 4 + total);
}

describe('wasm thread pool', () => {
  it('runs every item exactly once across the calling thread and the workers', async () => {
    const { memory, pool: p } = await pool(3);
    try {
      for (let rep = 0; rep < 20; rep++) {
        const out = runJob(p, memory, 500, -1);
        expect(out.every((v, i) => v === 3 * i)).toBe(true);
      }
    } finally {
      p.dispose();
    }
  });

  it('turns a trap on any thread into a WasmKernelError without hanging, and stays usable', async () => {
    const { memory, pool: p } = await pool(2);
    try {
      // Arrival 0 is usually the calling thread and 1 a worker (or the other way round): both paths.
      for (let rep = 0; rep < 10; rep++) {
        for (const trapArrival of [0, 1]) {
          expect(() => runJob(p, memory, 200, trapArrival)).toThrow(WasmKernelError);
          const out = runJob(p, memory, 200, -1);
          expect(out.every((v, i) => v === 3 * i)).toBe(true);
        }
      }
    } finally {
      p.dispose();
    }
  });
});
