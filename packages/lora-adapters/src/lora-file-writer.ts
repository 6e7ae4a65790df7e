import { encodeHeader, openAtomicFile, serializeSafetensors, type RawTensor, type SafetensorsDType, type TensorSpec } from '@loraflow/tensor-core';
import { LoraFormatError } from './lora-error.js';
import { castRaw, factorToRaw } from './lora-factor-codec.js';
import type { LoraFormat } from './lora-format.js';
import type { LoraFactor, LoraLayer } from './lora-layer.js';
import { formatLayerTensors, type KeyedTensor } from './format-layer-tensors.js';
import { outputMetadata, type WrittenLayerStats } from './lora-metadata.js';

/** How to write a LoRA file. */
export interface LoraWriterOptions {
  /** Output layout. */
  format: LoraFormat;
  /** `__metadata__` strings to carry (stale `sshs_*` hashes are dropped; kohya dim/alpha/hash recomputed). */
  metadata?: Readonly<Record<string, string>>;
  /** Store factors in this dtype instead of the one each factor has. */
  dtype?: SafetensorsDType;
}

const COPY_CHUNK = 16 << 20;

async function layerTensors(layer: LoraLayer<LoraFactor>, opts: LoraWriterOptions, where: string): Promise<KeyedTensor[]> {
  const cast = (r: RawTensor, what: string) => (opts.dtype ? castRaw(r, opts.dtype, `${where} "${layer.module}" ${what}`) : r);
  const { upBias, ...rest } = layer;
  const raw: LoraLayer = {
    ...rest,
    down: cast(await factorToRaw(layer.down), 'down'),
    up: cast(await factorToRaw(layer.up), 'up'),
    ...(upBias ? { upBias: cast(await factorToRaw(upBias), 'up bias') } : {}),
  };
  return formatLayerTensors(raw, opts.format, where);
}

/**
 * Writes a LoRA file layer by layer in any format, in any order and without knowing the layers up
 * front: tensor bytes stream to a temporary body file (hashed on the way), and `commit` writes the
 * header, copies the body after it into a temp file and renames that into place. Memory stays
 * bounded by one layer; nothing appears at `path` unless `commit` succeeds.
 */
export class LoraFileWriter {
  private readonly specs: TensorSpec[] = [];
  private readonly keys = new Set<string>();
  private readonly modules = new Set<string>();
  private readonly stats: WrittenLayerStats = { ranks: new Set(), alphas: new Set() };
  private done = false;

  private constructor(
    /** Destination path. */
    readonly path: string,
    private readonly opts: LoraWriterOptions,
    private readonly body: import('node:fs/promises').FileHandle,
    private readonly bodyPath: string,
    private readonly hash: import('node:crypto').Hash,
  ) {}

  /** Starts a LoRA file at `path` (Node only). */
  static async create(path: string, opts: LoraWriterOptions): Promise<LoraFileWriter> {
    const { open } = await import('node:fs/promises');
    const { createHash } = await import('node:crypto');
    const bodyPath = `${path}.body-tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
    const body = await open(bodyPath, 'w+');
    return new LoraFileWriter(path, opts, body, bodyPath, createHash('sha256'));
  }

  /** Number of layers written so far. */
  get layerCount(): number {
    return this.modules.size;
  }

  /** Appends one layer (alpha folded as the format needs; factors may be raw bytes or tensors). */
  async write(layer: LoraLayer<LoraFactor>): Promise<void> {
    if (this.done) throw new LoraFormatError(`${this.path}: write("${layer.module}") after commit/abort`);
    if (this.modules.has(layer.module)) throw new LoraFormatError(`${this.path}: module "${layer.module}" written twice`);
    const tensors = await layerTensors(layer, this.opts, this.path);
    for (const [key] of tensors) if (this.keys.has(key)) throw new LoraFormatError(`${this.path}: key "${key}" written twice`);
    this.modules.add(layer.module);
    this.stats.ranks.add(layer.rank);
    this.stats.alphas.add(layer.alpha);
    for (const [key, t] of tensors) {
      this.keys.add(key);
      this.specs.push({ name: key, dtype: t.dtype, shape: t.shape });
      this.hash.update(t.bytes);
      let done = 0;
      while (done < t.bytes.byteLength) done += (await this.body.write(t.bytes, done, t.bytes.byteLength - done)).bytesWritten;
    }
  }

  /** Writes header + body to `path` atomically and removes the temporary body. */
  async commit(): Promise<void> {
    if (this.done) throw new LoraFormatError(`${this.path}: commit after commit/abort`);
    if (this.specs.length === 0) {
      await this.abort();
      throw new LoraFormatError(`${this.path}: no LoRA layers to write`);
    }
    this.done = true;
    const metadata = outputMetadata(this.opts.format, this.opts.metadata ?? {}, this.stats, this.hash.digest('hex'));
    const out = await openAtomicFile(this.path);
    try {
      await out.write(encodeHeader(this.specs, metadata));
      const { size } = await this.body.stat();
      const buf = new Uint8Array(Math.min(COPY_CHUNK, Math.max(size, 1)));
      for (let at = 0; at < size; ) {
        const { bytesRead } = await this.body.read(buf, 0, Math.min(buf.byteLength, size - at), at);
        if (bytesRead === 0) throw new LoraFormatError(`${this.path}: temporary body ended at byte ${at} of ${size}`);
        await out.write(buf.subarray(0, bytesRead));
        at += bytesRead;
      }
      await out.commit();
    } catch (error) {
      await out.abort();
      throw error;
    } finally {
      await this.removeBody();
    }
  }

  /** Discards everything written (idempotent). */
  async abort(): Promise<void> {
    this.done = true;
    await this.removeBody();
  }

  private async removeBody(): Promise<void> {
    const { rm } = await import('node:fs/promises');
    await this.body.close().catch(() => undefined);
    await rm(this.bodyPath, { force: true });
  }
}

/** Writes layers to a LoRA file (Node); on any error nothing is left at `path` and no temp file remains. */
export async function writeLoraFile(path: string, layers: Iterable<LoraLayer<LoraFactor>> | AsyncIterable<LoraLayer<LoraFactor>>, opts: LoraWriterOptions): Promise<void> {
  const writer = await LoraFileWriter.create(path, opts);
  try {
    for await (const layer of layers) await writer.write(layer);
  } catch (error) {
    await writer.abort();
    throw error;
  }
  await writer.commit();
}

/** The bytes of a LoRA file holding `layers` (in memory; works in browsers; kohya hash via WebCrypto). */
export async function serializeLoraLayers(layers: Iterable<LoraLayer<LoraFactor>>, opts: LoraWriterOptions): Promise<Uint8Array> {
  const tensors: Record<string, RawTensor> = {};
  const stats: WrittenLayerStats = { ranks: new Set(), alphas: new Set() };
  const modules = new Set<string>();
  for (const layer of layers) {
    if (modules.has(layer.module)) throw new LoraFormatError(`in-memory LoRA: module "${layer.module}" appears twice`);
    modules.add(layer.module);
    stats.ranks.add(layer.rank);
    stats.alphas.add(layer.alpha);
    for (const [key, t] of await layerTensors(layer, opts, 'in-memory LoRA')) tensors[key] = t;
  }
  if (modules.size === 0) throw new LoraFormatError('in-memory LoRA: no LoRA layers to write');
  const body = await serializeSafetensors(tensors);
  const headerLen = Number(new DataView(body.buffer, body.byteOffset, 8).getBigUint64(0, true));
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', body.slice(8 + headerLen) as Uint8Array<ArrayBuffer>));
  const hex = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
  return serializeSafetensors(tensors, outputMetadata(opts.format, opts.metadata ?? {}, stats, hex));
}
