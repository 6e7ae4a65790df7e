import { cpu, mul, noGrad, readSafetensors, tensorFromStorage, tidy, type Device, type SafetensorsReader, type Tensor } from '@loraflow/tensor-core';
import { rawToF32 } from '@loraflow/lora-adapters';
import type { I2lEmbedding } from './i2l-embedding.js';
import { I2lError } from './i2l-error.js';
import { i2lBlockForward, type I2lBlockWeights, type ProjectionWeights } from './i2l-block-forward.js';
import { inferI2lLayout, type I2lHeaderEntry, type I2lLayout } from './i2l-layout.js';
import { i2lBlockCount, i2lBlockSpecs } from './i2l-state-specs.js';
import { QWEN_IMAGE_I2L_TARGETS, targetModulePath, type I2lTarget, type I2lTargetTable } from './target-table.js';

/** The images of one decode, on the device: embeddings `[n, D]` and the scaled residual `[n, L, W]` (or null). */
export interface I2lDecodeInputs {
  readonly count: number;
  readonly x: Tensor;
  readonly residual: Tensor | null;
}

/** One target module's generated factors, one entry per image: down `[rank, in]`, up `[out, rank]`, row-major f32. */
export interface DecodedModule {
  readonly module: string;
  readonly target: I2lTarget;
  readonly down: readonly Float32Array[];
  readonly up: readonly Float32Array[];
}

/** An embedding with where it came from (for messages). */
export interface NamedEmbedding {
  readonly source: string;
  readonly embedding: I2lEmbedding;
}

/**
 * An i2L model file opened for streaming decode: the layout is inferred and checked from the header
 * on open; `decodeBlock` reads one generator block's tensors, runs DiffSynth's forward for every
 * image at once, and drops them, so memory stays bounded by one block however large the file is
 * and each weight byte is read once per decode.
 */
export class I2lFile {
  private constructor(
    private readonly file: SafetensorsReader,
    /** What the file holds. */
    readonly layout: I2lLayout,
  ) {}

  /** Opens and checks an i2L file against a target table (default Qwen-Image's). */
  static async open(from: string | Uint8Array, table: I2lTargetTable = QWEN_IMAGE_I2L_TARGETS): Promise<I2lFile> {
    const file = await readSafetensors(from);
    try {
      const entries = new Map<string, I2lHeaderEntry>(file.keys.map((k) => [k, file.info(k)]));
      return new I2lFile(file, inferI2lLayout(file.name, entries, table));
    } catch (error) {
      await file.close();
      throw error;
    }
  }

  /** The file path or buffer name. */
  get name(): string {
    return this.file.name;
  }

  /** Number of generator blocks (groups x transformer blocks). */
  get blockCount(): number {
    return i2lBlockCount(this.layout.table);
  }

  /** Bytes of weights one decode reads. */
  get byteSize(): number {
    return this.file.keys.reduce((n, k) => n + this.file.info(k).dataOffsets[1] - this.file.info(k).dataOffsets[0], 0);
  }

  /**
   * Checks an embedding against the layout; returns a note when a residual is passed to a model
   * without a residual path (DiffSynth ignores it), throws naming the source otherwise.
   */
  checkEmbedding({ source, embedding }: NamedEmbedding): string | undefined {
    const c = this.layout.config;
    if (embedding.imageEmbedding.length !== c.embeddingDim) {
      throw new I2lError(`${source}: image_embedding has ${embedding.imageEmbedding.length} values, but ${this.name} expects ${c.embeddingDim} (SigLIP2 1536 + DINOv3 4096 for Qwen-Image-i2L)`);
    }
    const r = embedding.residual;
    if (!c.residual) return r ? `${source}: residual ignored: ${this.name} (${this.layout.variant}) has no residual path, as in DiffSynth` : undefined;
    if (!r) throw new I2lError(`${source}: no "residual" tensor, but ${this.name} (${this.layout.variant}) needs residual [${c.residual.length}, ${c.residualWidth}]`);
    if (r.tokens !== c.residual.length || r.width !== c.residualWidth) {
      throw new I2lError(`${source}: residual is [${r.tokens}, ${r.width}], but ${this.name} (${this.layout.variant}) expects [${c.residual.length}, ${c.residualWidth}] (Coarse 71 tokens from a 224 px image, Fine 1376 from 1024 px)`);
    }
    return undefined;
  }

  /** Checks the embeddings and puts them on the device (scaled residual included); dispose with `disposeInputs`. */
  prepare(embeddings: readonly NamedEmbedding[], device: Device = cpu): I2lDecodeInputs {
    if (embeddings.length === 0) throw new I2lError(`${this.name}: no embeddings to decode`);
    for (const e of embeddings) this.checkEmbedding(e);
    const c = this.layout.config;
    const n = embeddings.length;
    const x = new Float32Array(n * c.embeddingDim);
    embeddings.forEach((e, i) => x.set(e.embedding.imageEmbedding, i * c.embeddingDim));
    let residual: Tensor | null = null;
    if (c.residual) {
      const size = c.residual.length * c.residualWidth;
      const r = new Float32Array(n * size);
      embeddings.forEach((e, i) => r.set(e.embedding.residual!.data, i * size));
      const raw = tensorFromStorage(r, [n, c.residual.length, c.residualWidth], 'f32', { device });
      residual = noGrad(() => mul(raw, c.residualScale));
      raw.dispose();
    }
    return { count: n, x: tensorFromStorage(x, [n, c.embeddingDim], 'f32', { device }), residual };
  }

  /** Reads generator block k's weights onto the device as f32. */
  async readBlock(k: number, device: Device = cpu): Promise<I2lBlockWeights> {
    const specs = i2lBlockSpecs(this.layout.config, this.layout.table, k);
    const t = new Map<string, Tensor>();
    for (const s of specs) {
      const raw = await this.file.readRaw(s.key);
      t.set(s.key, tensorFromStorage(rawToF32(raw, `${this.name}: "${s.key}"`), s.shape, 'f32', { device }));
    }
    const pair = (p: string): ProjectionWeights => ({ proj_in: t.get(`${p}.proj_in.weight`)!, proj_out: t.get(`${p}.proj_out.weight`)! });
    const g = Math.floor(k / this.layout.table.blocks);
    return {
      layers: this.layout.table.groups[g].map((_, j) => ({ proj_a: pair(`blocks.${k}.layers.${j}.proj_a`), proj_b: pair(`blocks.${k}.layers.${j}.proj_b`) })),
      proj_residual: this.layout.config.residual ? pair(`blocks.${k}.proj_residual`) : null,
    };
  }

  /** Decodes generator block k for every image: DiffSynth's forward, weights dropped afterwards. */
  async decodeBlock(k: number, inputs: I2lDecodeInputs): Promise<DecodedModule[]> {
    const { table, config } = this.layout;
    if (!Number.isInteger(k) || k < 0 || k >= this.blockCount) throw new I2lError(`${this.name}: generator block ${k} out of range 0..${this.blockCount - 1}`);
    const targets = table.groups[Math.floor(k / table.blocks)];
    const weights = await this.readBlock(k, inputs.x.device);
    const all = [...weights.layers.flatMap((l) => [l.proj_a, l.proj_b]), ...(weights.proj_residual ? [weights.proj_residual] : [])].flatMap((p) => [p.proj_in, p.proj_out]);
    try {
      const factors = noGrad(() => tidy(() => i2lBlockForward(weights, targets, config.rank, inputs.x, inputs.residual)));
      const out: DecodedModule[] = [];
      for (const [j, target] of targets.entries()) {
        const { down, up } = factors[j];
        const d = (await down.data()) as Float32Array;
        const u = (await up.data()) as Float32Array;
        down.dispose();
        up.dispose();
        const a = config.rank * target.inFeatures;
        const b = config.rank * target.outFeatures;
        out.push({
          module: targetModulePath(k % table.blocks, target.name),
          target,
          down: Array.from({ length: inputs.count }, (_, i) => d.subarray(i * a, (i + 1) * a)),
          up: Array.from({ length: inputs.count }, (_, i) => u.subarray(i * b, (i + 1) * b)),
        });
      }
      return out;
    } finally {
      for (const w of all) w.dispose();
    }
  }

  /** Releases the file handle. */
  close(): Promise<void> {
    return this.file.close();
  }
}

/** Frees the device tensors of prepared inputs. */
export function disposeInputs(inputs: I2lDecodeInputs): void {
  inputs.x.dispose();
  inputs.residual?.dispose();
}
