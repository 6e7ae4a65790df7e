/**
 * The trainer's browser-ready part (`@loraflow/trainer/sampling`) in a page: sampleImageTensor runs Euler
 * on a model whose velocity is v(x) = x, so the image is the seeded noise times a known factor; and the
 * loss curve renders.
 */
import * as tr from '@loraflow/trainer/sampling';
import { Linear, randn, type Tensor } from '@loraflow/tensor-core';
import { expectClose, maxAbsDiff, report } from './page-report.js';

report(tr, async () => {
  const latentShape = [2, 3, 3] as const;
  const model: tr.LoraTrainableModel<Tensor> = {
    transformer: new Linear(2, 2),
    latentShape,
    encodePrompt: (texts) => randn([texts.length, 1], { seed: 1 }),
    encodeImages: (images) => images,
    decodeLatents: (latents) => latents.mul(1),
    velocity: (x) => x.mul(1),
  };
  const steps = 4;
  const images = await tr.sampleImageTensor(model, { prompt: 'a page', steps, cfg: 1, seed: 5 });
  // Linear sigmas 1, 3/4, 1/2, 1/4, then 0: each Euler step multiplies x by 1 + (next - sigma).
  const sigmas = [...Array.from({ length: steps }, (_, i) => 1 - i / steps), 0];
  let factor = 1;
  for (let i = 0; i < steps; i++) factor *= 1 + (sigmas[i + 1] - sigmas[i]);
  const noise = await randn([1, ...latentShape], { seed: 5 }).data();
  const got = await images.data();
  const curve = tr.renderLossCurve(Array.from({ length: 40 }, (_, i) => 1 / (1 + 0.1 * i)), { width: 160, height: 90 });
  if (curve.width !== 160 || curve.data.every((v) => v === 255)) throw new Error('the loss curve is blank');
  return `${expectClose('sampleImageTensor (Euler, v = x)', maxAbsDiff(got, Array.from(noise, (v) => v * factor)), 1e-5)}; loss curve ${curve.width}x${curve.height}`;
});
