import { fileURLToPath } from 'node:url';
import { noGrad, randn, tensor } from '@loraflow/tensor-core';
import { describe, expect, it } from 'vitest';
import { loadPipeline } from '../src/index.js';

const BASE = fileURLToPath(new URL('../../../models/base', import.meta.url));

describe('committed base model', () => {
  it('loads from models/base with every Qwen-Image key and gives a finite, non-trivial velocity', async () => {
    const p = await loadPipeline(BASE);
    const names = p.transformer.namedParameters().map(([n]) => n);
    expect(names).toContain(`transformer_blocks.${p.config.transformer.depth - 1}.attn.to_add_out.weight`);
    expect(p.config.training?.heldOutTheme).toBe('cherry-blossom');
    const x = randn([1, ...p.latentShape], { seed: 1 });
    const v = noGrad(() => p.velocity(x, tensor([0.8], [1]), p.encodePrompt(['a 2D side scrolling background, desert theme'])));
    const data = (await v.data()) as Float32Array;
    expect(data.every(Number.isFinite)).toBe(true);
    const rms = Math.sqrt(data.reduce((s, d) => s + d * d, 0) / data.length);
    // A trained model predicts noise - x0 with roughly unit scale; an untrained adaLN-Zero one would give 0.
    expect(rms).toBeGreaterThan(0.3);
    p.dispose();
  });
});
