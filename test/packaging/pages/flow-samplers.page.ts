/** flow-samplers in a page: Euler on the linear ODE dx/dsigma = x, whose Euler steps are known in closed form. */
import * as fs from '@loraflow/flow-samplers';
import { tensor } from '@loraflow/tensor-core';
import { expectClose, maxAbsDiff, report } from './page-report.js';

report(fs, async () => {
  const sigmas = fs.shiftSigmas([1, 0.75, 0.5, 0.25, 0], 3);
  const x0 = [0.3, -1.2, 0.7, 2.1];
  // Each Euler step multiplies x by 1 + (sigmaNext - sigma).
  let factor = 1;
  for (let i = 0; i + 1 < sigmas.length; i++) factor *= 1 + (sigmas[i + 1] - sigmas[i]);
  const out = await fs.sampleEuler((x) => x.mul(1), tensor(Float32Array.from(x0), [1, 4]), { sigmas });
  const got = await out.data();
  return `${sigmas.length - 1} Euler steps; ${expectClose('sampleEuler', maxAbsDiff(got, x0.map((v) => v * factor)), 1e-5)}`;
});
