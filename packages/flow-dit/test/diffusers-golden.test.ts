import { fileURLToPath } from 'node:url';
import { noGrad, readSafetensors, type Tensor } from '@loraflow/tensor-core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PIPELINE_CONFIG, MMDiTTransformer, patchify } from '../src/index.js';

// Outputs of diffusers' own QwenImageTransformer2DModel (see fixtures/qwen-image-dit/README.md): the flow-dit
// default transformer at depth 2 must load its state dict strictly and reproduce every case.
const DIR = fileURLToPath(new URL('./fixtures/qwen-image-dit/', import.meta.url));
const CASES = ['sq', 'rect', 'rect_t', 'rect_mask', 'odd_mask'];
const TOLERANCE = 1e-5;

async function readAll(file: string): Promise<Record<string, Tensor>> {
  const reader = await readSafetensors(DIR + file);
  try {
    return await reader.readAll();
  } finally {
    await reader.close();
  }
}

/** max |a - b| / max |b|: the error relative to the reference's scale. */
async function relativeError(actual: Tensor, expected: Tensor): Promise<number> {
  expect(actual.shape).toEqual(expected.shape);
  const a = (await actual.data()) as Float32Array, e = (await expected.data()) as Float32Array;
  let diff = 0, scale = 0;
  for (let i = 0; i < e.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - e[i]));
    scale = Math.max(scale, Math.abs(e[i]));
  }
  return diff / scale;
}

describe('MMDiTTransformer against diffusers QwenImageTransformer2DModel', async () => {
  const model = new MMDiTTransformer({ ...DEFAULT_PIPELINE_CONFIG.transformer, depth: 2 });
  const state = await readAll('dit_sharp.safetensors');

  it('loads the diffusers state dict strictly (same 77 names and shapes)', () => {
    expect(Object.keys(state)).toHaveLength(77);
    const report = model.loadStateDict(state, { strict: true, source: 'dit_sharp.safetensors' });
    expect(report.missing).toEqual([]);
    expect(report.unexpected).toEqual([]);
  });

  it.each(CASES)('reproduces the output and hooked intermediates of case %s', async (name) => {
    const io = await readAll(`io_sharp_${name}.safetensors`);
    const mask = io.mask ?? null;
    const got: Record<string, Tensor> = noGrad(() => {
      const [b, , h, w] = io.latents.shape;
      const p = model.config.patchSize;
      const rope = model.rope(h / p, w / p, io.text.shape[1], io.latents);
      const packed = patchify(io.latents, p);
      const hooks: Record<string, Tensor> = { packed };
      let img = (hooks.img_in = model.img_in.forward(packed));
      hooks.txt_norm = model.txt_norm.forward(io.text);
      let txt = (hooks.txt_in = model.txt_in.forward(hooks.txt_norm));
      const temb = (hooks.time_text_embed = model.time_text_embed.forward(io.sigmas.reshape([b])));
      model.transformer_blocks.items().forEach((block, i) => {
        [img, txt] = block.forward(img, txt, temb, rope, mask);
        // diffusers' block returns (encoder_hidden_states, hidden_states): .0 is text, .1 is image.
        hooks[`block${i}.0`] = txt;
        hooks[`block${i}.1`] = img;
      });
      hooks.norm_out = model.norm_out.forward(img, temb);
      hooks.out_packed = model.proj_out.forward(hooks.norm_out);
      hooks.out = model.forward({ latents: io.latents, sigmas: io.sigmas, text: io.text, textMask: mask });
      return hooks;
    });
    for (const [key, t] of Object.entries(got)) {
      expect(await relativeError(t, io[key]), `${name} ${key}`).toBeLessThan(TOLERANCE);
    }
  });
});
