import { randn, tensor } from '@loraflow/tensor-core';
import { describe, expect, it } from 'vitest';
import { FlowDitError, patchify, unpatchify } from '../src/index.js';

describe('patchify', () => {
  it('packs [B, C, H, W] into row-major patch tokens with channels ordered (c, dy, dx), like Qwen-Image _pack_latents', async () => {
    const [b, c, h, w, p] = [2, 3, 4, 6, 2];
    const x = randn([b, c, h, w], { seed: 11 });
    const src = (await x.data()) as Float32Array;
    const tokens = patchify(x, p);
    expect(tokens.shape).toEqual([b, (h / p) * (w / p), c * p * p]);
    const got = (await tokens.data()) as Float32Array;
    const gw = w / p;
    for (let n = 0; n < b; n++)
      for (let gy = 0; gy < h / p; gy++)
        for (let gx = 0; gx < gw; gx++)
          for (let ch = 0; ch < c; ch++)
            for (let dy = 0; dy < p; dy++)
              for (let dx = 0; dx < p; dx++) {
                const want = src[((n * c + ch) * h + gy * p + dy) * w + gx * p + dx];
                const at = (n * (h / p) * gw + gy * gw + gx) * c * p * p + (ch * p + dy) * p + dx;
                expect(got[at]).toBe(want);
              }
  });

  it('unpatchify inverts patchify exactly', async () => {
    const x = randn([3, 4, 8, 10], { seed: 12 });
    const back = unpatchify(patchify(x, 2), 2, 4, 5);
    expect(back.shape).toEqual([3, 4, 8, 10]);
    expect(Array.from((await back.data()) as Float32Array)).toEqual(Array.from((await x.data()) as Float32Array));
  });

  it('rejects sizes that do not divide by the patch, naming the shape', () => {
    expect(() => patchify(tensor(new Float32Array(1 * 2 * 3 * 4), [1, 2, 3, 4]), 2)).toThrow(FlowDitError);
    expect(() => patchify(tensor(new Float32Array(1 * 2 * 3 * 4), [1, 2, 3, 4]), 2)).toThrow(/\[1,2,3,4\]/);
  });
});
