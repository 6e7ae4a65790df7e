/** flow-dit in a page: patchify and unpatchify invert each other on a latent. */
import * as fd from '@loraflow/flow-dit';
import { tensor } from '@loraflow/tensor-core';
import { expectClose, maxAbsDiff, report } from './page-report.js';

report(fd, async () => {
  const shape = [1, 4, 6, 8];
  const values = Float32Array.from({ length: 4 * 6 * 8 }, (_, i) => Math.cos(i + 0.5));
  const tokens = fd.patchify(tensor(values, shape), 2);
  if (tokens.shape.join() !== '1,12,16') throw new Error(`patchify gave [${tokens.shape}], expected [1,12,16]`);
  const back = await fd.unpatchify(tokens, 2, 3, 4).data();
  return `tokens [${tokens.shape}]; ${expectClose('unpatchify(patchify(x))', maxAbsDiff(back, values), 0)}`;
});
