import { describe, expect, it } from 'vitest';
import { Generator, Linear, Module, ModuleList, SiLU, noGrad, readSafetensors, sum, mul, tensorFromStorage, type Tensor } from '@loraflow/tensor-core';
import { I2lModel, i2lStateSpecs, readI2lEmbedding, targetTableFromModel, targetTableFromShapes, type I2lTargetTable } from '../src/index.js';
import { FIXTURE_TABLE, fixture, readTensors, relativeError } from './fixture-files.js';

const tiny: I2lTargetTable = {
  blocks: 1,
  groups: [[{ name: 'attn.to_q', inFeatures: 3, outFeatures: 2 }], [{ name: 'img_mod.1', inFeatures: 2, outFeatures: 5 }]],
};

describe('I2lModel (nn modules, autograd path)', () => {
  it('has DiffSynth\'s parameter names and shapes', () => {
    const config = { embeddingDim: 24, compressDim: 5, residual: { length: 3, midDim: 6 }, residualWidth: 10 };
    const model = new I2lModel(FIXTURE_TABLE, { ...config, generator: new Generator(1) });
    const params = model.namedParameters().map(([k, p]) => ({ key: k, shape: [...p.shape] }));
    const specs = i2lStateSpecs(model.config, FIXTURE_TABLE).map((s) => ({ key: s.key, shape: [...s.shape] }));
    expect(params.sort((a, b) => a.key.localeCompare(b.key))).toEqual(specs.sort((a, b) => a.key.localeCompare(b.key)));
    model.dispose();
  });

  it('loads a DiffSynth state dict and its forward equals the goldens', async () => {
    const model = new I2lModel(FIXTURE_TABLE, { embeddingDim: 24, compressDim: 5, residual: { length: 3, midDim: 6 }, residualWidth: 10, init: 'default' });
    const file = await readSafetensors(fixture('coarse.safetensors'));
    model.loadStateDict(await file.readAll(), { source: 'coarse.safetensors' });
    await file.close();
    const embs = await Promise.all([0, 1].map((i) => readI2lEmbedding(fixture(`emb-coarse-${i}.safetensors`))));
    const x = tensorFromStorage(Float32Array.from(embs.flatMap((e) => [...e.imageEmbedding])), [2, 24], 'f32');
    const r = tensorFromStorage(Float32Array.from(embs.flatMap((e) => [...e.residual!.data])), [2, 3, 10], 'f32');
    const expected = await readTensors(fixture('expected-decode-coarse.safetensors'));
    const out = noGrad(() => model.forward(x, r));
    expect(out.size).toBe(24);
    for (const [module, f] of out) {
      expect(f.down.shape[0]).toBe(2);
      const d = (await f.down.data()) as Float32Array;
      const u = (await f.up.data()) as Float32Array;
      for (let i = 0; i < 2; i++) {
        const a = expected.get(`img${i}.${module}.lora_A`)!.values;
        const b = expected.get(`img${i}.${module}.lora_B`)!.values;
        expect(relativeError(d.subarray(i * a.length, (i + 1) * a.length), a)).toBeLessThan(1e-4);
        expect(relativeError(u.subarray(i * b.length, (i + 1) * b.length), b)).toBeLessThan(1e-4);
      }
    }
    model.dispose();
  });

  it('initialises as DiffSynth: proj_a x 0.3, proj_b.proj_out zero, proj_residual.proj_out x 0.3', async () => {
    const model = new I2lModel(tiny, { embeddingDim: 50, compressDim: 40, residual: { length: 2, midDim: 30 }, residualWidth: 20, generator: new Generator(7) });
    for (const [name, p] of model.namedParameters()) {
      const v = (await p.data()) as Float32Array;
      const maxAbs = v.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
      const bound = 1 / Math.sqrt(p.shape[1]); // PyTorch's Linear init: U(-1/sqrt(fan_in), 1/sqrt(fan_in))
      const factor = name.includes('.proj_a.') ? 0.3 : name.includes('.proj_b.proj_out.') ? 0 : name.includes('proj_residual.proj_out') ? 0.3 : 1;
      expect(maxAbs, name).toBeLessThanOrEqual(bound * factor + 1e-7);
      if (factor > 0) expect(maxAbs, name).toBeGreaterThan(bound * factor * 0.8);
    }
    model.dispose();
  });

  it('gradients reach the generator weights (finite differences)', async () => {
    const model = new I2lModel(tiny, { embeddingDim: 6, compressDim: 3, residual: { length: 2, midDim: 2 }, residualWidth: 4, init: 'default', generator: new Generator(3) });
    const g = new Generator(11);
    const x = tensorFromStorage(Float32Array.from(g.normal(2 * 6)), [2, 6], 'f32');
    const r = tensorFromStorage(Float32Array.from(g.normal(2 * 2 * 4)), [2, 2, 4], 'f32');
    const w = Array.from(model.forward(x, r).values()).map(() => Float32Array.from(g.normal(64)));
    // loss = sum over modules of <B A, W> for a fixed random W: quadratic in the generator weights.
    const loss = (): Tensor => {
      let total: Tensor | null = null;
      let i = 0;
      for (const f of model.forward(x, r).values()) {
        const t = sum(mul(f.up, tensorFromStorage(w[i++].subarray(0, f.up.size), f.up.shape, 'f32')));
        const s = sum(mul(f.down, tensorFromStorage(w[i - 1].subarray(0, f.down.size), f.down.shape, 'f32')));
        const term = mul(t, s);
        total = total ? total.add(term) : term;
      }
      return total!;
    };
    model.zeroGrad();
    loss().backward();
    const h = 1e-2;
    for (const name of ['blocks.0.layers.0.proj_a.proj_in.weight', 'blocks.1.layers.0.proj_b.proj_out.weight', 'blocks.1.proj_residual.proj_in.weight']) {
      const p = model.namedParameters().find(([n]) => n === name)![1];
      const grad = (await p.grad!.data()) as Float32Array;
      const base = Float32Array.from((await p.data()) as Float32Array);
      for (const idx of [0, p.size - 1]) {
        const at = (v: number) => {
          const vals = Float32Array.from(base);
          vals[idx] = v;
          noGrad(() => p.assign(tensorFromStorage(vals, p.shape, 'f32')));
          return noGrad(() => loss());
        };
        const fd = ((await at(base[idx] + h).item()) - (await at(base[idx] - h).item())) / (2 * h);
        noGrad(() => p.assign(tensorFromStorage(base, p.shape, 'f32')));
        // The loss is a product of two linear forms in each weight (quadratic): central differences are exact up to f32 rounding.
        expect(Math.abs(fd - grad[idx]), `${name}[${idx}]`).toBeLessThan(2e-3 * Math.max(1, Math.abs(grad[idx])));
      }
    }
    model.dispose();
  });

  it('derives a target table from module shapes (flow-dit or Qwen-Image names)', () => {
    const shapes = [0, 1].flatMap((b) =>
      [['attn.to_q', 8, 8], ['attn.to_k', 8, 8], ['attn.to_v', 8, 8], ['attn.to_out.0', 8, 8], ['img_mlp.net.0.proj', 8, 32], ['img_mlp.net.2', 32, 8], ['img_mod.1', 8, 48],
        ['attn.add_q_proj', 8, 8], ['attn.add_k_proj', 8, 8], ['attn.add_v_proj', 8, 8], ['attn.to_add_out', 8, 8], ['txt_mlp.net.2', 32, 8], ['txt_mod.1', 8, 48]].map(
        ([n, i, o]) => ({ module: `transformer_blocks.${b}.${n}`, inFeatures: i as number, outFeatures: o as number }),
      ),
    );
    const table = targetTableFromShapes(shapes, 'tiny');
    expect(table.blocks).toBe(2);
    expect(table.groups.map((g) => g.map((t) => `${t.name}:${t.inFeatures}->${t.outFeatures}`))).toEqual([
      ['attn.to_q:8->8', 'attn.to_k:8->8', 'attn.to_v:8->8', 'attn.to_out.0:8->8'],
      ['img_mlp.net.2:32->8', 'img_mod.1:8->48'],
      ['attn.add_q_proj:8->8', 'attn.add_k_proj:8->8', 'attn.add_v_proj:8->8', 'attn.to_add_out:8->8'],
      ['txt_mlp.net.2:32->8', 'txt_mod.1:8->48'],
    ]);
    expect(() => targetTableFromShapes(shapes.filter((s) => s.module !== 'transformer_blocks.1.txt_mod.1'), 'tiny')).toThrow('tiny: no linear "transformer_blocks.1.txt_mod.1" (block 0 has it)');
  });

  it('derives a target table from a model\'s module tree (Qwen-Image / flow-dit block layout)', () => {
    const tree = (children: Record<string, Module>) => Object.assign(new Module(), children);
    const lin = (i: number, o: number) => new Linear(i, o, { generator: new Generator(1) });
    const block = () =>
      tree({
        attn: tree({ to_q: lin(4, 4), to_k: lin(4, 4), to_v: lin(4, 4), to_out: new ModuleList([lin(4, 4)]), add_q_proj: lin(4, 4), add_k_proj: lin(4, 4), add_v_proj: lin(4, 4), to_add_out: lin(4, 4) }),
        img_mod: new ModuleList([new SiLU(), lin(4, 24)]),
        img_mlp: tree({ net: new ModuleList([tree({ proj: lin(4, 16) }), new SiLU(), lin(16, 4)]) }),
        txt_mod: new ModuleList([new SiLU(), lin(4, 24)]),
        txt_mlp: tree({ net: new ModuleList([tree({ proj: lin(4, 16) }), new SiLU(), lin(16, 4)]) }),
      });
    const model = tree({ transformer_blocks: new ModuleList([block(), block(), block()]) });
    const table = targetTableFromModel(model);
    expect(table.blocks).toBe(3);
    expect(table.groups[1]).toEqual([{ name: 'img_mlp.net.2', inFeatures: 16, outFeatures: 4 }, { name: 'img_mod.1', inFeatures: 4, outFeatures: 24 }]);
    const i2l = new I2lModel(table, { embeddingDim: 8, compressDim: 2, residual: null });
    expect(i2l.namedParameters().map(([k]) => k)).toContain('blocks.11.layers.1.proj_b.proj_out.weight');
    expect(noGrad(() => i2l.forward(tensorFromStorage(new Float32Array(8).fill(0.5), [1, 8], 'f32'))).get('transformer_blocks.2.txt_mod.1')!.up.shape).toEqual([1, 24, 4]);
    model.dispose();
    i2l.dispose();
  });
});
