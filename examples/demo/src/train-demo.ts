import * as tc from '@loraflow/tensor-core';

/** The demo network: a 3-layer MLP with SiLU. */
class Mlp extends tc.Module {
  net: tc.Sequential;

  constructor(hidden: number, generator: tc.Generator, device: tc.Device) {
    super();
    const opts = { generator, device };
    this.net = new tc.Sequential([new tc.Linear(2, hidden, opts), new tc.SiLU(), new tc.Linear(hidden, hidden, opts), new tc.SiLU(), new tc.Linear(hidden, 1, opts)]);
  }

  forward(x: tc.Tensor): tc.Tensor {
    return this.net.forward(x);
  }
}

/** Options of the demo run. */
export interface DemoOptions {
  device: tc.Device;
  steps?: number;
  batch?: number;
  hidden?: number;
  seed?: number;
  onStep?: (step: number, loss: number) => void;
}

/** What the demo reports. */
export interface DemoResult {
  losses: number[];
  seconds: number;
}

/**
 * Fits y = sin(3 x1) cos(2 x2) on [-1, 1]^2 with an MLP, AdamW and a cosine schedule: a small but real
 * autograd training loop whose losses are identical (to f32 rounding) on every device.
 */
export async function trainDemo(opts: DemoOptions): Promise<DemoResult> {
  const { device } = opts;
  const steps = opts.steps ?? 300;
  const batch = opts.batch ?? 256;
  const gen = new tc.Generator(opts.seed ?? 0);
  const model = new Mlp(opts.hidden ?? 64, gen, device);
  const opt = new tc.AdamW(model.parameters(), { lr: 1e-2, weightDecay: 1e-4 });
  const schedule = tc.cosineSchedule(steps, 20, 0.05);
  const losses: number[] = [];
  const start = performance.now();
  for (let step = 0; step < steps; step++) {
    tc.applySchedule(opt, 1e-2, schedule, step);
    const loss = tc.tidy(() => {
      const x = tc.rand([batch, 2], { generator: gen, low: -1, high: 1, device });
      const [x1, x2] = tc.split(x, 2, 1);
      const y = tc.sin(x1.mul(3)).mul(tc.cos(x2.mul(2)));
      const l = model.forward(x).sub(y).square().mean();
      l.backward();
      opt.step();
      opt.zeroGrad();
      return l;
    });
    const value = await loss.item();
    loss.dispose();
    losses.push(value);
    opts.onStep?.(step, value);
  }
  const seconds = (performance.now() - start) / 1000;
  opt.dispose();
  model.dispose();
  return { losses, seconds };
}
