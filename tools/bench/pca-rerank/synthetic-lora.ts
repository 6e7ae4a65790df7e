import { f32ToRaw, LoraFileWriter } from '../../../packages/lora-adapters/src/index.js';
import { i2lTargetShapes } from './qwen-i2l-targets.js';

/** Seeded standard normals (xorshift32 + Box-Muller), fast enough for ~0.5 G values. */
function normals(seed: number): (out: Float32Array, scaleOf: (i: number) => number) => void {
  let s = seed >>> 0 || 1;
  const uniform = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) + 1) / 4294967297;
  };
  return (out, scaleOf) => {
    for (let i = 0; i < out.length; i += 2) {
      const r = Math.sqrt(-2 * Math.log(uniform()));
      const t = 2 * Math.PI * uniform();
      out[i] = r * Math.cos(t) * scaleOf(i);
      if (i + 1 < out.length) out[i + 1] = r * Math.sin(t) * scaleOf(i + 1);
    }
  };
}

/**
 * Writes a synthetic rank-`rank` bf16 LoRA with Qwen-Image-i2L's targets and real shapes, in the
 * DiffSynth key format the i2L pipeline outputs. Up columns decay geometrically (0.93^j), so
 * the spectrum is not flat and the 64 -> 16 report means something. Streams layer by layer.
 */
export async function writeSyntheticQwenLora(path: string, opts: { blocks: number; rank: number; seed?: number }): Promise<{ layers: number; bytes: number }> {
  const { blocks, rank } = opts;
  const fill = normals(opts.seed ?? 1);
  const writer = await LoraFileWriter.create(path, { format: 'diffsynth', metadata: { generator: 'tools/bench/pca-rerank synthetic Qwen-Image-i2L LoRA' } });
  let bytes = 0;
  const shapes = i2lTargetShapes(blocks);
  try {
    for (const { module, outFeatures, inFeatures } of shapes) {
      const down = new Float32Array(rank * inFeatures);
      fill(down, () => 1 / Math.sqrt(inFeatures));
      const up = new Float32Array(outFeatures * rank);
      fill(up, (i) => 0.02 * 0.93 ** (i % rank));
      await writer.write({
        module,
        kind: 'linear',
        kernel: [1, 1],
        rank,
        alpha: rank,
        down: f32ToRaw(down, [rank, inFeatures], 'BF16'),
        up: f32ToRaw(up, [outFeatures, rank], 'BF16'),
      });
      bytes += 2 * rank * (inFeatures + outFeatures);
    }
  } catch (error) {
    await writer.abort();
    throw error;
  }
  await writer.commit();
  return { layers: shapes.length, bytes };
}
