import { Generator, randn, tensor, tidy, type Tensor } from '@loraflow/tensor-core';
import { describe, expect, it } from 'vitest';
import {
  FlowSamplersError,
  flowMatchHeunSchedule,
  qwenImageSchedule,
  sampleDpmSolver2M,
  sampleEuler,
  sampleHeun,
  sampleMidpoint,
  type StepInfo,
  type VelocityModel,
} from '@loraflow/flow-samplers';
import { maxAbsDiff } from './gaussian-flow.js';

// A nonlinear, sigma-dependent test velocity and its float64 twin.
const vf64 = (x: number, s: number) => Math.tanh(2 * x) * (0.5 + s) - 0.3 * x + s * s;
function recordingModel(): { model: VelocityModel<unknown>; sigmas: number[] } {
  const sigmas: number[] = [];
  const model: VelocityModel<unknown> = (x: Tensor, s: number) => {
    sigmas.push(s);
    return tidy(() => x.mul(2).tanh().mul(0.5 + s).sub(x.mul(0.3)).add(s * s));
  };
  return { model, sigmas };
}

const x0 = [0.81, -1.27, 0.33, 2.05, -0.44, 1.12];
// float32 sampling vs a float64 loop: ~1e-7 relative rounding per op over <= 50 steps.
const TOL = 2e-5;

describe('euler', () => {
  it('matches a float64 loop of x += (s_next - s) v over the Qwen-Image schedule', async () => {
    const { sigmas } = qwenImageSchedule({ width: 1024, height: 1024, steps: 20 });
    const { model, sigmas: seen } = recordingModel();
    const out = await sampleEuler(model, tensor(x0, [6]), { sigmas });
    const ref = x0.map((x) => {
      for (let i = 0; i + 1 < sigmas.length; i++) x += (sigmas[i + 1] - sigmas[i]) * vf64(x, sigmas[i]);
      return x;
    });
    expect(maxAbsDiff(await out.data(), ref)).toBeLessThan(TOL);
    expect(seen).toEqual(sigmas.slice(0, -1));
  });
});

describe('heun', () => {
  it("replays diffusers' FlowMatchHeunDiscreteScheduler step state machine on its expanded tables", async () => {
    const steps = 12;
    const table = flowMatchHeunSchedule(steps, { shift: 3 });
    // diffusers: the pipeline calls the model at every entry of `timesteps` and step() alternates between
    // a first-order stage (store derivative, dt, sample) and a second-order stage (average derivatives).
    const ref = x0.map((x) => {
      let prevD: number | null = null;
      let dt = 0;
      let saved = 0;
      for (let k = 0; k < table.timesteps.length; k++) {
        const v = vf64(x, table.timesteps[k] / 1000);
        if (prevD === null) {
          const sigma = table.sigmas[k];
          const next = table.sigmas[k + 1];
          prevD = v;
          dt = next - sigma;
          saved = x;
          x = x + v * dt;
        } else {
          x = saved + 0.5 * (prevD + v) * dt;
          prevD = null;
        }
      }
      return x;
    });
    const { model, sigmas: seen } = recordingModel();
    const plain = [table.sigmas[0], ...table.sigmas.filter((_, i) => i % 2 === 1)];
    const out = await sampleHeun(model, tensor(x0, [6]), { sigmas: plain });
    expect(maxAbsDiff(await out.data(), ref)).toBeLessThan(TOL);
    // 2N - 1 calls at exactly diffusers' timesteps / 1000: the last interval (to 0) is Euler.
    expect(seen.length).toBe(2 * steps - 1);
    expect(maxAbsDiff(seen, table.timesteps.map((t) => t / 1000))).toBeLessThan(1e-12);
  });
});

describe('model call counts', () => {
  const sigmas = [1, 0.8, 0.55, 0.3, 0.1, 0];
  for (const [name, sampler, calls] of [
    ['euler', sampleEuler, 5],
    ['heun', sampleHeun, 9],
    ['midpoint', sampleMidpoint, 10],
    ['dpm-solver++(2M)', sampleDpmSolver2M, 5],
  ] as const) {
    it(`${name} makes ${calls} model calls for 5 steps`, async () => {
      const { model, sigmas: seen } = recordingModel();
      (await sampler(model, tensor(x0, [6]), { sigmas })).dispose();
      expect(seen.length).toBe(calls);
    });
  }
});

describe('step callback', () => {
  it('reports every step with sigmas, the new sample and the x0 prediction x - sigma v', async () => {
    const sigmas = [1, 0.7, 0.4, 0.15, 0];
    const infos: { step: number; sigma: number; sigmaNext: number; x: number[]; denoised: number[] }[] = [];
    const { model } = recordingModel();
    const out = await sampleHeun(model, tensor(x0, [6]), {
      sigmas,
      callback: async (info: StepInfo) => {
        infos.push({ ...info, x: Array.from(await info.x.data()), denoised: Array.from(await info.denoised.data()) });
      },
    });
    expect(infos.map((i) => i.step)).toEqual([0, 1, 2, 3]);
    expect(infos.map((i) => [i.sigma, i.sigmaNext])).toEqual([[1, 0.7], [0.7, 0.4], [0.4, 0.15], [0.15, 0]]);
    expect(maxAbsDiff(infos[0].denoised, x0.map((x) => x - vf64(x, 1)))).toBeLessThan(1e-5);
    expect(infos[3].x).toEqual(Array.from(await out.data()));
  });

  it('stops between steps when the abort signal fires', async () => {
    const controller = new AbortController();
    const { model, sigmas: seen } = recordingModel();
    const run = sampleEuler(model, tensor(x0, [6]), {
      sigmas: [1, 0.5, 0.25, 0],
      signal: controller.signal,
      callback: ({ step }) => {
        if (step === 0) controller.abort(new Error('user stop'));
      },
    });
    await expect(run).rejects.toThrow('user stop');
    expect(seen.length).toBe(1);
  });
});

describe('stochastic noise re-injection', () => {
  const sigmas = [1, 0.75, 0.5, 0.25, 0];

  it("replace-type eta = 1 with euler is diffusers' stochastic_sampling: x' = (1 - s') (x - s v) + s' z", async () => {
    const { model } = recordingModel();
    const out = await sampleEuler(model, tensor(x0, [6]), { sigmas, noise: { eta: 1, type: 'replace', seed: 17 } });
    const gen = new Generator(17);
    let x = x0.slice();
    for (let i = 0; i + 1 < sigmas.length; i++) {
      const [s, sn] = [sigmas[i], sigmas[i + 1]];
      const denoised = x.map((xi) => xi - s * vf64(xi, s));
      if (sn > 0) {
        const z = Array.from(await randn([6], { generator: gen }).data());
        x = denoised.map((d, j) => (1 - sn) * d + sn * z[j]);
      } else x = denoised;
    }
    expect(maxAbsDiff(await out.data(), x)).toBeLessThan(TOL);
  });

  it('eta = 0 equals the deterministic sampler, and a seed fixes the result', async () => {
    for (const sampler of [sampleEuler, sampleHeun, sampleMidpoint, sampleDpmSolver2M]) {
      const { model } = recordingModel();
      const det = await (await sampler(model, tensor(x0, [6]), { sigmas })).data();
      const eta0 = await (await sampler(model, tensor(x0, [6]), { sigmas, noise: { eta: 0, seed: 1 } })).data();
      expect(maxAbsDiff(det, eta0)).toBeLessThan(1e-5);
      const a = await (await sampler(model, tensor(x0, [6]), { sigmas, noise: { eta: 0.5, seed: 4 } })).data();
      const b = await (await sampler(model, tensor(x0, [6]), { sigmas, noise: { eta: 0.5, seed: 4 } })).data();
      const c = await (await sampler(model, tensor(x0, [6]), { sigmas, noise: { eta: 0.5, seed: 5 } })).data();
      expect(Array.from(a)).toEqual(Array.from(b));
      expect(maxAbsDiff(a, c)).toBeGreaterThan(1e-3);
    }
  });

  it('rejects eta outside [0, 1] and a non-decreasing sigma list, naming the option', async () => {
    const { model } = recordingModel();
    await expect(sampleEuler(model, tensor(x0, [6]), { sigmas, noise: { eta: 1.5 } })).rejects.toThrow(/noise\.eta/);
    await expect(sampleHeun(model, tensor(x0, [6]), { sigmas: [0.5, 0.7, 0] })).rejects.toThrow(FlowSamplersError);
  });
});

describe('sampler registry', () => {
  it('names every sampler and predicts its model calls', async () => {
    const { SAMPLERS, modelCallsFor } = await import('@loraflow/flow-samplers');
    for (const sigmas of [[1, 0.8, 0.55, 0.3, 0.1, 0], [0.9, 0.6, 0.2]]) {
      for (const name of Object.keys(SAMPLERS) as (keyof typeof SAMPLERS)[]) {
        const { model, sigmas: seen } = recordingModel();
        (await SAMPLERS[name](model, tensor(x0, [6]), { sigmas })).dispose();
        expect(seen.length).toBe(modelCallsFor(name, sigmas));
      }
    }
  });
});

describe('sampler options', () => {
  it('every sampler names a bad option, including inside noise, before any model call', async () => {
    const { model, sigmas } = recordingModel();
    const x = tensor(x0, [6]);
    for (const sample of [sampleEuler, sampleHeun, sampleMidpoint, sampleDpmSolver2M]) {
      await expect(sample(model, x, { sigmas: [1, 0], noise: { eta: 2 } })).rejects.toThrow(FlowSamplersError);
      await expect(sample(model, x, { sigmas: [1, 0], noise: { eta: 0.5, type: 'ddpm' as never } })).rejects.toThrow(/ noise: option "type" is "ddpm", expected one of ancestral, replace$/);
      await expect(sample(model, x, { sigmas: [1, 0], callbak: () => {} } as never)).rejects.toThrow(/: unknown option "callbak"; expected one of sigmas, cond, callback, noise, signal$/);
    }
    expect(sigmas).toEqual([]);
    x.dispose();
  });
});
