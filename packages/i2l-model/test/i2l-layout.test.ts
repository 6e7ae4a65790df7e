import { describe, expect, it } from 'vitest';
import {
  I2L_PRESETS,
  I2lFile,
  QWEN_IMAGE_I2L_TARGETS,
  firstBlocks,
  i2lModelHash,
  i2lStateSpecs,
  inferI2lLayout,
  type I2lHeaderEntry,
  type I2lVariant,
} from '../src/index.js';
import { FIXTURE_TABLE, fixture } from './fixture-files.js';

const header = (specs: { key: string; shape: readonly number[] }[]) => new Map<string, I2lHeaderEntry>(specs.map((s) => [s.key, { dtype: 'BF16', shape: s.shape }]));

describe('real-size Qwen-Image-i2L layouts', () => {
  // DiffSynth's model_hash values for the released files (shared/I2L.md): key/shape lists only, no weights.
  const expected: [I2lVariant, string, number, number][] = [
    ['style', '0aad514690602ecaff932c701cb4b0bb', 2880, 2_406_481_920],
    ['coarse', 'a166c33455cdbd89c0888a3645ca5c0f', 3360, 7_927_234_560],
    ['fine', 'a5476e691767a4da6d3a6634a10f7408', 3360, 7_573_340_160],
  ];
  for (const [variant, hash, tensors, params] of expected) {
    it(`the ${variant} key/shape list hashes to DiffSynth's ${hash}`, async () => {
      const specs = i2lStateSpecs(I2L_PRESETS[variant], QWEN_IMAGE_I2L_TARGETS);
      expect(specs.length).toBe(tensors);
      expect(specs.reduce((n, s) => n + s.shape[0] * s.shape[1], 0)).toBe(params);
      expect(await i2lModelHash(specs)).toBe(hash);
    });
    it(`infers the ${variant} variant from its header`, () => {
      const layout = inferI2lLayout(`${variant}.safetensors`, header(i2lStateSpecs(I2L_PRESETS[variant], QWEN_IMAGE_I2L_TARGETS)), QWEN_IMAGE_I2L_TARGETS);
      expect(layout.variant).toBe(variant);
      expect(layout.config).toEqual(I2L_PRESETS[variant]);
      expect(layout.table.blocks).toBe(60);
      expect(layout.dtype).toBe('BF16');
    });
  }

  it('maps a file with fewer blocks to the first transformer blocks', () => {
    const layout = inferI2lLayout('fine-3.safetensors', header(i2lStateSpecs(I2L_PRESETS.fine, firstBlocks(QWEN_IMAGE_I2L_TARGETS, 3))), QWEN_IMAGE_I2L_TARGETS);
    expect(layout.table.blocks).toBe(3);
    expect(layout.variant).toBe('fine');
  });
});

describe('layout errors name the file, the key and the expected shape', () => {
  const specs = () => i2lStateSpecs(I2L_PRESETS.style, firstBlocks(QWEN_IMAGE_I2L_TARGETS, 2));
  it('a wrong shape', () => {
    const s = specs().map((x) => (x.key === 'blocks.3.layers.1.proj_b.proj_out.weight' ? { ...x, shape: [73728, 32] } : x));
    expect(() => inferI2lLayout('m.safetensors', header(s), QWEN_IMAGE_I2L_TARGETS)).toThrow('m.safetensors: "blocks.3.layers.1.proj_b.proj_out.weight" has shape [73728,32], expected [73728,64]');
  });
  it('a missing key', () => {
    const s = specs().filter((x) => x.key !== 'blocks.3.layers.0.proj_a.proj_in.weight');
    expect(() => inferI2lLayout('m.safetensors', header(s), QWEN_IMAGE_I2L_TARGETS)).toThrow('m.safetensors: missing "blocks.3.layers.0.proj_a.proj_in.weight", expected shape [64,5632]');
  });
  it('a zero compress dim', () => {
    const s = specs().map((x) => (x.key === 'blocks.0.layers.0.proj_a.proj_in.weight' ? { ...x, shape: [0, 5632] } : x));
    expect(() => inferI2lLayout('m.safetensors', header(s), QWEN_IMAGE_I2L_TARGETS)).toThrow('m.safetensors: "blocks.0.layers.0.proj_a.proj_in.weight" has shape [0,5632], expected every dimension >= 1 ([compress, embedding])');
  });
  it('a residual tensor in one block only', () => {
    const s = [...specs(), { key: 'blocks.4.proj_residual.proj_in.weight', shape: [64, 3584] }];
    expect(() => inferI2lLayout('m.safetensors', header(s), QWEN_IMAGE_I2L_TARGETS)).toThrow(/m\.safetensors: unexpected "blocks\.4\.proj_residual\.proj_in\.weight"; the layout inferred from blocks\.0 \(compress 64, rank 4, no residual/);
  });
  it('a block count that is not a multiple of the groups', () => {
    const s = specs().filter((x) => !x.key.startsWith('blocks.7.'));
    expect(() => inferI2lLayout('m.safetensors', header(s), QWEN_IMAGE_I2L_TARGETS)).toThrow('m.safetensors: highest generator block is blocks.6, so 7 blocks; expected a multiple of the 4 target groups');
    const more = i2lStateSpecs(I2L_PRESETS.style, QWEN_IMAGE_I2L_TARGETS).filter((x) => !x.key.startsWith('blocks.239.') && !x.key.startsWith('blocks.238.'));
    expect(() => inferI2lLayout('m.safetensors', header(more), QWEN_IMAGE_I2L_TARGETS)).toThrow('m.safetensors: highest generator block is blocks.237, so 238 blocks; expected a multiple of the 4 target groups');
  });
  it('a LoRA file passed as a model', async () => {
    await expect(I2lFile.open(fixture('bias.safetensors'), FIXTURE_TABLE)).rejects.toThrow(/bias\.safetensors: "transformer_blocks\.0\.[a-z_.0-9]+\.lora_[AB]\.default\.weight" is a LoRA tensor: this is a LoRA file, not an i2L model/);
  });
  it('a model made for other target shapes', async () => {
    await expect(I2lFile.open(fixture('style-f32.safetensors'), QWEN_IMAGE_I2L_TARGETS)).rejects.toThrow(/style-f32\.safetensors: "blocks\.0\.layers\.0\.proj_a\.proj_out\.weight" has 32 rows, expected rank \* 3072/);
  });
});

describe('reduced fixtures', () => {
  it('infers style, coarse and fine sizes', async () => {
    const open = async (name: string) => {
      const f = await I2lFile.open(fixture(name), FIXTURE_TABLE);
      await f.close();
      return f.layout;
    };
    const style = await open('style-bf16.safetensors');
    expect({ ...style.config, dtype: style.dtype, blocks: style.table.blocks, variant: style.variant }).toEqual({
      embeddingDim: 24, compressDim: 4, rank: 4, residual: null, residualWidth: 3584, residualScale: 0.05, dtype: 'BF16', blocks: 2, variant: 'custom',
    });
    expect((await open('coarse.safetensors')).config.residual).toEqual({ length: 3, midDim: 6 });
    const fine = await open('fine.safetensors');
    expect([fine.config.residual, fine.config.residualWidth, fine.dtype]).toEqual([{ length: 5, midDim: 2 }, 10, 'BF16']);
  });
});
