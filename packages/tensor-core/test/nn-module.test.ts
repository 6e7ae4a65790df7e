import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tc from '@loraflow/tensor-core';

class Block extends tc.Module {
  attn = new tc.Attention({ dim: 8, heads: 2, qkNorm: true }, { generator: new tc.Generator(1) });
  norm = new tc.LayerNorm(8);
  mlp = new tc.Sequential([new tc.Linear(8, 16, { generator: new tc.Generator(2) }), new tc.GELU('tanh'), new tc.Linear(16, 8, { generator: new tc.Generator(3) })]);
  forward(x: tc.Tensor): tc.Tensor {
    const h = x.add(this.attn.forward(this.norm.forward(x)));
    return h.add(this.mlp.forward(h));
  }
}

class Net extends tc.Module {
  blocks = new tc.ModuleList([new Block(), new Block()]);
  conv = new tc.Conv2d(3, 4, 3, { padding: 1, generator: new tc.Generator(4) });
  gn = new tc.GroupNorm(2, 4);
  emb = new tc.Embedding(10, 8, { generator: new tc.Generator(5) });
}

describe('Module', () => {
  it('names parameters with PyTorch dotted paths in registration order', () => {
    const names = new Net().namedParameters().map(([n]) => n);
    expect(names.slice(0, 12)).toEqual([
      'blocks.0.attn.to_q.weight', 'blocks.0.attn.to_q.bias', 'blocks.0.attn.to_k.weight', 'blocks.0.attn.to_k.bias',
      'blocks.0.attn.to_v.weight', 'blocks.0.attn.to_v.bias', 'blocks.0.attn.norm_q.weight', 'blocks.0.attn.norm_k.weight',
      'blocks.0.attn.to_out.0.weight', 'blocks.0.attn.to_out.0.bias', 'blocks.0.norm.weight', 'blocks.0.norm.bias',
    ]);
    expect(names).toContain('blocks.1.mlp.2.weight');
    expect(names).toContain('conv.weight');
    expect(names).toContain('emb.weight');
  });

  it('Linear and Conv2d initialise like PyTorch: U(-1/sqrt(fan_in), 1/sqrt(fan_in))', async () => {
    const lin = new tc.Linear(64, 32, { generator: new tc.Generator(9) });
    const w = Array.from(await lin.weight.data());
    const bound = 1 / 8;
    expect(Math.max(...w.map((v) => Math.abs(v)))).toBeLessThanOrEqual(bound);
    const std = Math.sqrt(w.reduce((s, v) => s + v * v, 0) / w.length);
    expect(std).toBeGreaterThan(bound / Math.sqrt(3) * 0.9);
    expect(std).toBeLessThan(bound / Math.sqrt(3) * 1.1);
  });

  it('round-trips a state dict through safetensors and refuses mismatches with named keys', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lf-nn-'));
    const a = new Net();
    const path = join(dir, 'net.safetensors');
    await tc.writeSafetensors(path, a.stateDict(), { format: 'pt' });
    const b = new Net();
    await (await b.namedParameters()[0][1].data());
    const reader = await tc.readSafetensors(path);
    b.loadStateDict(await reader.readAll(), { source: path });
    await reader.close();
    for (const [name, p] of a.namedParameters()) {
      expect(Array.from(await b.stateDict()[name].data()), name).toEqual(Array.from(await p.data()));
    }
    const sd = a.stateDict();
    const { ['conv.weight']: _dropped, ...missing } = sd;
    expect(() => b.loadStateDict(missing)).toThrow(/missing keys: conv\.weight/);
    expect(() => b.loadStateDict({ ...sd, 'extra.weight': tc.zeros([1]) })).toThrow(/unexpected keys: extra\.weight/);
    expect(() => b.loadStateDict({ ...sd, 'conv.weight': tc.zeros([4, 3, 1, 1]) })).toThrow(/"conv\.weight" has shape \[4,3,1,1\], the model expects \[4,3,3,3\]/);
    expect(b.loadStateDict(missing, { strict: false }).missing).toEqual(['conv.weight']);
    expect(readdirSync(dir)).toEqual(['net.safetensors']);
  });

  it('a transformer block trains: loss falls with AdamW', async () => {
    const block = new Block();
    const x = tc.randn([2, 5, 8], { seed: 11 });
    const target = tc.randn([2, 5, 8], { seed: 12 });
    const opt = new tc.AdamW(block.parameters(), { lr: 1e-2, weightDecay: 0 });
    const losses: number[] = [];
    for (let step = 0; step < 30; step++) {
      const loss = tc.tidy(() => {
        const l = block.forward(x).sub(target).square().mean();
        l.backward();
        opt.step();
        opt.zeroGrad();
        return l;
      });
      losses.push(await loss.item());
      loss.dispose();
    }
    expect(losses[29]).toBeLessThan(losses[0] * 0.5);
  });

  it('Dropout scales kept values by 1/(1-p) in training and is the identity in eval', async () => {
    const d = new tc.Dropout(0.25, 3);
    const x = tc.ones([4000]);
    const y = await d.forward(x).data();
    const kept = y.filter((v) => v !== 0);
    expect(kept.every((v) => Math.abs(v - 4 / 3) < 1e-6)).toBe(true);
    expect(Math.abs(kept.length / 4000 - 0.75)).toBeLessThan(0.03);
    d.eval();
    expect(d.forward(x)).toBe(x);
  });
});
