import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Conv2d, Generator, Linear, Module, ModuleList, noGrad, randn, type Tensor } from '@loraflow/tensor-core';
import {
  LORA_FORMATS,
  LoraFormatError,
  LoraLinear,
  LoraModule,
  extractLoraStateDict,
  injectLora,
  loadLora,
  loraLayers,
  mergeLora,
  saveLora,
  setLoraMultiplier,
  unmergeLora,
  withExternalLora,
} from '../src/index.js';
import { maxRelError } from './reference-math.js';

const dir = mkdtempSync(join(tmpdir(), 'lora-inject-'));
const f64 = async (t: Tensor) => Float64Array.from((await t.data()) as Float32Array);

/** A two-block model with Qwen-Image-like names (to_out.0, add_q_proj, img_mlp.net.0.proj) and a 3x3 conv. */
class Attn extends Module {
  to_q: Linear;
  add_q_proj: Linear;
  to_out: ModuleList<Linear>;
  constructor(d: number, g: Generator) {
    super();
    this.to_q = new Linear(d, d, { generator: g });
    this.add_q_proj = new Linear(d, d, { generator: g });
    this.to_out = new ModuleList([new Linear(d, d, { generator: g })]);
  }
}
class Proj extends Module {
  proj: Linear;
  constructor(d: number, g: Generator) {
    super();
    this.proj = new Linear(d, 2 * d, { generator: g });
  }
}
class Block extends Module {
  attn: Attn;
  img_mlp: Module;
  conv: Conv2d;
  constructor(d: number, g: Generator) {
    super();
    this.attn = new Attn(d, g);
    const net = new ModuleList<Module>([new Proj(d, g)]);
    this.img_mlp = Object.assign(new Module(), { net });
    this.conv = new Conv2d(2, 3, 3, { padding: 1, generator: g });
  }
}
class Toy extends Module {
  blocks: ModuleList<Block>;
  proj_out: Linear;
  constructor(d = 6, seed = 1) {
    super();
    const g = new Generator(seed);
    this.blocks = new ModuleList([new Block(d, g), new Block(d, g)]);
    this.proj_out = new Linear(d, 2, { generator: g });
  }
}

function randomizeUps(model: Module, seed: number, adapter = 'default') {
  let s = seed;
  noGrad(() => {
    for (const [, l] of loraLayers(model)) if (l.adapterNames().includes(adapter)) l.factors(adapter).up.weight.assign(randn([...l.factors(adapter).up.weight.shape], { seed: s++ }));
  });
}

describe('injectLora', () => {
  it('wraps the matching layers, keeps base parameter names, and leaves only LoRA parameters trainable', () => {
    const model = new Toy();
    const baseNames = model.namedParameters().map(([n]) => n);
    const injected = injectLora(model, {
      rank: 2,
      convRank: 3,
      include: ['**.attn.*', 'to_out.0', /conv$/],
      exclude: [/blocks\.1\.attn\.add_q_proj/],
      rules: [{ pattern: 'to_q', rank: 4, alpha: 2 }],
    });
    expect(injected.map((i) => [i.name, i.state.rank, i.state.alpha])).toEqual([
      ['blocks.0.attn.to_q', 4, 2],
      ['blocks.0.attn.add_q_proj', 2, 2],
      ['blocks.0.attn.to_out.0', 2, 2],
      ['blocks.0.conv', 3, 3],
      ['blocks.1.attn.to_q', 4, 2],
      ['blocks.1.attn.to_out.0', 2, 2],
      ['blocks.1.conv', 3, 3],
    ]);
    const names = model.namedParameters().map(([n]) => n);
    expect(names.filter((n) => !n.includes('.lora_'))).toEqual(baseNames);
    expect(names).toContain('blocks.0.attn.to_out.0.lora_A.default.weight');
    expect(names).toContain('blocks.1.conv.lora_B.default.weight');
    for (const [n, p] of model.namedParameters()) expect([n, p.requiresGrad]).toEqual([n, n.includes('.lora_')]);
    expect(model.getSubmodule('blocks.0.attn.to_out.0')).toBeInstanceOf(LoraLinear);
    expect(model.getSubmodule('blocks.0.img_mlp.net.0.proj')).toBeInstanceOf(Linear);
  });

  it('distinct layers get distinct initialisations and the same seed repeats them', async () => {
    const a = new Toy();
    const b = new Toy();
    injectLora(a, { rank: 2, seed: 5 });
    injectLora(b, { rank: 2, seed: 5 });
    const da = await loraLayers(a)[0][1].factors().down.weight.data();
    const da2 = await loraLayers(a)[1][1].factors().down.weight.data();
    const db = await loraLayers(b)[0][1].factors().down.weight.data();
    expect(Array.from(da)).toEqual(Array.from(db));
    expect(Array.from(da.subarray(0, 6))).not.toEqual(Array.from(da2.subarray(0, 6)));
  });

  it('a second injection adds a second adapter; merging one keeps the model output', async () => {
    const model = new Toy();
    injectLora(model, { rank: 2, include: ['to_q'] });
    injectLora(model, { rank: 3, include: ['to_q'], adapter: 'style' });
    randomizeUps(model, 10);
    randomizeUps(model, 20, 'style');
    setLoraMultiplier(model, 0.6, 'style');
    const layer = model.getSubmodule('blocks.0.attn.to_q') as LoraLinear;
    expect(layer.adapterNames()).toEqual(['default', 'style']);
    const x = randn([3, 6], { seed: 30 });
    const before = await layer.forward(x).data();
    expect(mergeLora(model, 'style')).toBe(2);
    expect(maxRelError(await layer.forward(x).data(), before)).toBeLessThan(1e-5);
    expect(unmergeLora(model, 'style')).toBe(2);
    expect(maxRelError(await layer.forward(x).data(), before)).toBeLessThan(1e-5);
  });

  it('rejects patterns that match nothing', () => {
    expect(() => injectLora(new Toy(), { include: ['to_v'] })).toThrow(/no Linear or Conv2d module matches include \[to_v\]/);
  });
});

describe('save, extract and load', () => {
  for (const format of LORA_FORMATS) {
    it(`${format}: a saved adapter loads into a fresh model with the same deltas`, async () => {
      const model = new Toy();
      injectLora(model, { rank: 2, alpha: 1, convRank: 2, convAlpha: 4 });
      randomizeUps(model, 40);
      const path = join(dir, `toy-${format}.safetensors`);
      await saveLora(model, path, { format });
      const fresh = new Toy();
      const report = await loadLora(fresh, path);
      const src = loraLayers(model);
      expect(report.loaded.sort()).toEqual(src.map(([n]) => n).sort());
      expect(report.unmatched).toEqual([]);
      for (const [name, l] of src) {
        const other = fresh.getSubmodule(name) as LoraModule;
        // f32 factors, alpha folded with one rounding per factor for the non-kohya formats.
        expect(maxRelError(await other.deltaWeight().data(), await f64(l.deltaWeight()))).toBeLessThan(1e-6);
      }
      const sd = await extractLoraStateDict(model, { format });
      expect(Object.keys(sd).length).toBe(src.length * (format === 'kohya' ? 3 : 2));
    });
  }

  it('a LoRA that does not fit throws naming each layer and leaves the model untouched; non-strict loads the rest', async () => {
    const small = new Toy(4);
    injectLora(small, { rank: 2, include: ['to_q', 'proj_out'] });
    const path = join(dir, 'mismatch.safetensors');
    await saveLora(small, path, { format: 'kohya' });
    const model = new Toy(6);
    const error = await loadLora(model, path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LoraFormatError);
    expect((error as Error).message).toMatch(/"blocks\.0\.attn\.to_q" \(key "lora_unet_blocks_0_attn_to_q.lora_down.weight"\): LoRA is 4->4 kernel 1x1, the module is 6->6 kernel 1x1/);
    expect(loraLayers(model)).toEqual([]);
    const other = new Toy(4);
    other.proj_out = new Linear(4, 3);
    const report = await loadLora(other, path, { strict: false });
    expect(report.loaded).toEqual(['blocks.0.attn.to_q', 'blocks.1.attn.to_q']);
    expect(report.unmatched).toEqual([{ module: 'proj_out', key: 'lora_unet_proj_out.lora_down.weight', reason: 'LoRA is 4->2 kernel 1x1, the module is 4->3 kernel 1x1' }]);
  });

  it('withExternalLora applies generated factors only inside the call', async () => {
    const model = new Toy();
    injectLora(model, { rank: 1, include: ['proj_out'], multiplier: 0 });
    const layer = model.getSubmodule('proj_out') as LoraLinear;
    const x = randn([2, 6], { seed: 50 });
    const base = await layer.forward(x).data();
    const A = randn([1, 6], { seed: 51 });
    const B = randn([2, 1], { seed: 52 });
    const inside = await withExternalLora(model, { proj_out: { down: A, up: B } }, () => layer.forward(x).data());
    const expected = await layer.forward(x, { down: A, up: B }).data();
    expect(Array.from(inside)).toEqual(Array.from(expected));
    expect(maxRelError(inside, base)).toBeGreaterThan(1e-3);
    expect(Array.from(await layer.forward(x).data())).toEqual(Array.from(base));
    expect(() => withExternalLora(model, { nope: { down: A, up: B } }, () => 0)).toThrow(/no LoRA layer named "nope"/);
  });
});
