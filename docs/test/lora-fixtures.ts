// The LoRA files every doc-test scratch folder holds, made for models/base's transformer from a seeded RNG.
// They stand in for "a LoRA you downloaded": pages say so where they use them.
import { randn, readSafetensors } from '@loraflow/tensor-core';
import { f32ToRaw, writeLoraFile, type LoraLayer } from '@loraflow/lora-adapters';

/** File name -> how it is made. `decay` makes singular values fall like exp(-i / decay), as trained LoRAs' do. */
export const LORA_FIXTURES = {
  'my_lora.safetensors': { rank: 16, alpha: 8, decay: 4, seed: 1 },
  'in.safetensors': { rank: 8, alpha: 8, decay: 3, seed: 2 },
  'style-r64.safetensors': { rank: 64, alpha: 32, decay: 6, seed: 3 },
} as const;

/** The [out, in] shapes of the base transformer's linear layers, by module name. */
async function linearShapes(transformerFile: string): Promise<[string, number, number][]> {
  const st = await readSafetensors(transformerFile);
  try {
    return st.keys
      .filter((key) => key.endsWith('.weight') && st.info(key).shape.length === 2 && !key.includes('embed_tokens'))
      .map((key) => [key.slice(0, -'.weight'.length), st.info(key).shape[0]!, st.info(key).shape[1]!]);
  } finally {
    await st.close();
  }
}

/** Writes one kohya LoRA whose layers have a decaying spectrum (so dynamic re-ranking has something to choose). */
async function writeFixture(path: string, shapes: [string, number, number][], spec: { rank: number; alpha: number; decay: number; seed: number }): Promise<void> {
  const layers: LoraLayer[] = [];
  for (const [index, [module, out, inFeatures]] of shapes.entries()) {
    const normals = async (n: number, seed: number) => {
      const t = randn([n], { seed });
      const values = (await t.data()) as Float32Array;
      t.dispose();
      return values;
    };
    const down = (await normals(spec.rank * inFeatures, spec.seed * 1000 + 2 * index)).map((v) => v / Math.sqrt(inFeatures));
    const up = await normals(out * spec.rank, spec.seed * 1000 + 2 * index + 1);
    for (let o = 0; o < out; o++) for (let r = 0; r < spec.rank; r++) up[o * spec.rank + r] *= 0.05 * Math.exp(-r / spec.decay);
    layers.push({
      module, kind: 'linear', kernel: [1, 1], rank: spec.rank, alpha: spec.alpha,
      down: f32ToRaw(down, [spec.rank, inFeatures], 'BF16'),
      up: f32ToRaw(up, [out, spec.rank], 'BF16'),
    });
  }
  await writeLoraFile(path, layers, { format: 'kohya' });
}

/** Writes every fixture into `dir`. */
export async function writeLoraFixtures(dir: string, transformerFile: string): Promise<void> {
  const shapes = await linearShapes(transformerFile);
  for (const [name, spec] of Object.entries(LORA_FIXTURES)) await writeFixture(`${dir}/${name}`, shapes, spec);
}
