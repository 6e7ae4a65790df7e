import { defaultDevice, randn, tensor, tidy, type Tensor } from '@loraflow/tensor-core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  guidedModel,
  sampleDpmSolver2M,
  sampleEuler,
  sampleHeun,
  sampleMidpoint,
  type SamplerOptions,
  type VelocityModel,
} from '@loraflow/flow-samplers';

type Sampler = (model: VelocityModel<number>, x: Tensor, o: SamplerOptions<{ pos: number; neg?: number }>) => Promise<Tensor>;

// Counts live backend storages by wrapping every backend method that returns a storage-like object
// (one with a numeric `size`) and `free`; restored after each test.
function trackStorages(): { live: () => number; restore: () => void } {
  const backend = defaultDevice().backend as unknown as Record<string, unknown>;
  const live = new Set<object>();
  const originals = new Map<string, unknown>();
  let proto = Object.getPrototypeOf(backend);
  const names = new Set<string>();
  while (proto && proto !== Object.prototype) {
    for (const name of Object.getOwnPropertyNames(proto)) names.add(name);
    proto = Object.getPrototypeOf(proto);
  }
  for (const name of Object.keys(backend)) names.add(name);
  for (const name of names) {
    const fn = backend[name];
    if (name === 'constructor' || typeof fn !== 'function') continue;
    originals.set(name, Object.prototype.hasOwnProperty.call(backend, name) ? fn : undefined);
    backend[name] = function (this: unknown, ...args: unknown[]) {
      const out = (fn as (...a: unknown[]) => unknown).apply(backend, args);
      if (name === 'free') live.delete(args[0] as object);
      else if (out && typeof out === 'object' && typeof (out as { size?: unknown }).size === 'number') live.add(out as object);
      return out;
    };
  }
  return {
    live: () => live.size,
    restore: () => {
      for (const [name, fn] of originals) {
        if (fn === undefined) delete backend[name];
        else backend[name] = fn;
      }
    },
  };
}

let tracker: ReturnType<typeof trackStorages> | null = null;
afterEach(() => tracker?.restore());

const model: VelocityModel<number> = (x, s, cond) => tidy(() => x.mul(cond).tanh().sub(x.mul(0.2)).add(s));

describe('memory', () => {
  for (const [name, sampler] of [
    ['euler', sampleEuler],
    ['heun', sampleHeun],
    ['midpoint', sampleMidpoint],
    ['dpm-solver++(2M)', sampleDpmSolver2M],
  ] as const) {
    it(`${name} with guidance, noise and a callback leaves only its result alive after 50 steps`, async () => {
      const x = randn([2, 16, 8], { seed: 1 });
      tracker = trackStorages();
      const sigmas = [...Array.from({ length: 50 }, (_, i) => 1 - i / 50), 0];
      let seen = 0;
      const out = await (sampler as unknown as Sampler)(guidedModel(model, { scale: 3 }) as never, x, {
        sigmas,
        cond: { pos: 1.3, neg: 0.4 },
        noise: { eta: 0.7, seed: 2 },
        callback: () => {
          seen++;
        },
      });
      expect(seen).toBe(50);
      // The result is the only storage created during sampling that is still alive.
      expect(tracker.live()).toBe(1);
      out.dispose();
      expect(tracker.live()).toBe(0);
      expect(x.isDisposed).toBe(false);
      x.dispose();
    });
  }

  it('the storage tracker sees an undisposed tensor (the check can fail)', () => {
    tracker = trackStorages();
    const t = tensor([1, 2, 3], [3]);
    const u = t.mul(2);
    expect(tracker.live()).toBe(2);
    t.dispose();
    u.dispose();
    expect(tracker.live()).toBe(0);
  });
});
