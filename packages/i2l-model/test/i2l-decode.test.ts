import { describe, expect, it } from 'vitest';
import { cpu } from '@loraflow/tensor-core';
import { I2lFile, disposeInputs, readI2lEmbedding, type NamedEmbedding } from '../src/index.js';
import { FIXTURE_TABLE, delta, fixture, readTensors, relativeError } from './fixture-files.js';

async function embeddings(names: string[]): Promise<NamedEmbedding[]> {
  return Promise.all(names.map(async (n) => ({ source: n, embedding: await readI2lEmbedding(fixture(n)) })));
}

/** Decodes every block of a fixture model and checks each image's factors and delta against PyTorch's float64 forward. */
async function checkDecode(model: string, images: string[]): Promise<number> {
  const expected = await readTensors(fixture(`expected-decode-${model.replace('.safetensors', '')}.safetensors`));
  const file = await I2lFile.open(fixture(model), FIXTURE_TABLE);
  const inputs = file.prepare(await embeddings(images), cpu);
  let modules = 0;
  try {
    for (let k = 0; k < file.blockCount; k++) {
      for (const m of await file.decodeBlock(k, inputs)) {
        for (let i = 0; i < images.length; i++) {
          const a = expected.get(`img${i}.${m.module}.lora_A`)!;
          const b = expected.get(`img${i}.${m.module}.lora_B`)!;
          expect(a.shape).toEqual([4, m.target.inFeatures]);
          expect(b.shape).toEqual([m.target.outFeatures, 4]);
          // f32 accumulation over 24 + 5 terms against float64: ~1e-6 relative; 1e-4 is the bound.
          expect(relativeError(m.down[i], a.values)).toBeLessThan(1e-4);
          expect(relativeError(m.up[i], b.values)).toBeLessThan(1e-4);
          expect(relativeError(delta(m.down[i], m.up[i], 4), delta(a.values, b.values, 4))).toBeLessThan(1e-4);
        }
        modules++;
      }
    }
  } finally {
    disposeInputs(inputs);
    await file.close();
  }
  return modules;
}

describe('streaming decode equals DiffSynth\'s forward (reduced goldens)', () => {
  it('Style, f32 file, two images at once', async () => {
    expect(await checkDecode('style-f32.safetensors', ['emb-style-0.safetensors', 'emb-style-1.safetensors'])).toBe(24);
  });
  it('Style, bf16 file', async () => {
    expect(await checkDecode('style-bf16.safetensors', ['emb-style-0.safetensors'])).toBe(24);
  });
  it('Style, f16 file', async () => {
    expect(await checkDecode('style-f16.safetensors', ['emb-style-0.safetensors'])).toBe(24);
  });
  it('Coarse, residual through proj_residual with the 0.05 scale', async () => {
    expect(await checkDecode('coarse.safetensors', ['emb-coarse-0.safetensors', 'emb-coarse-1.safetensors'])).toBe(24);
  });
  it('Fine, bf16 file', async () => {
    expect(await checkDecode('fine.safetensors', ['emb-fine-0.safetensors'])).toBe(24);
  });
});

describe('embedding checks', () => {
  it('a residual of the wrong length for the model', async () => {
    const file = await I2lFile.open(fixture('coarse.safetensors'), FIXTURE_TABLE);
    await expect(async () => file.checkEmbedding((await embeddings(['emb-fine-0.safetensors']))[0])).rejects.toThrow(
      /emb-fine-0\.safetensors: residual is \[5, 10\], but .*coarse\.safetensors \(custom\) expects \[3, 10\]/,
    );
    await file.close();
  });
  it('a residual given to Style is ignored with a note', async () => {
    const file = await I2lFile.open(fixture('style-f32.safetensors'), FIXTURE_TABLE);
    expect(file.checkEmbedding((await embeddings(['emb-coarse-0.safetensors']))[0])).toMatch(/residual ignored: .*has no residual path, as in DiffSynth/);
    await file.close();
  });
  it('an embedding of the wrong length', async () => {
    const file = await I2lFile.open(fixture('style-f32.safetensors'), FIXTURE_TABLE);
    expect(() => file.checkEmbedding({ source: 'e.safetensors', embedding: { imageEmbedding: new Float32Array(23).fill(0.5) } })).toThrow(
      /e\.safetensors: image_embedding has 23 values, but .*style-f32\.safetensors expects 24/,
    );
    await file.close();
  });
});
