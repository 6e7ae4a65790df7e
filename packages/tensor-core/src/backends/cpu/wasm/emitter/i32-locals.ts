import type { FunctionBuilder, Local } from './function-builder.js';
import { ValType } from './opcodes.js';

/** Declares `n` i32 locals. */
export function locals(f: FunctionBuilder, n: number): Local[] {
  return Array.from({ length: n }, () => f.local(ValType.i32));
}

/** out = min(a, b), signed. */
export function minTo(f: FunctionBuilder, a: Local, b: Local, out: Local): void {
  f.get(a).get(b).get(a).get(b).i32LtS().select().set(out);
}

/**
 * Work loop: claims items one at a time from the atomic counter at word `next` of `job` until
 * `total` are taken, runs `body` with the item in `item`, then counts it in word `done` (after
 * its stores, so a thread that sees the count also sees the results).
 */
export function claimLoopTotal(f: FunctionBuilder, job: Local, next: number, done: number, total: Local, item: Local, body: () => void): void {
  f.block((exit) => {
    f.loop((again) => {
      f.get(job).i32(1).i32AtomicAdd(next * 4).tee(item).get(total).i32GeS().brIf(exit);
      body();
      f.get(job).i32(1).i32AtomicAdd(done * 4).drop();
      f.br(again);
    });
  });
}
