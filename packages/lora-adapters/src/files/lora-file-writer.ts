import { encodeHeader, openAtomicFile, serializeSafetensors, type AtomicFile, type RawTensor, type SafetensorsDType, type TensorSpec, quoteForMessage } from '@loraflow/tensor-core';
import { LoraFormatError } from '../lora-error.js';
import { castRaw, factorToRaw } from './lora-factor-codec.js';
import type { LoraFormat } from './lora-format.js';
import type { LoraFactor, LoraLayer } from '../lora-layer.js';
import { formatLayerSpecs, formatLayerTensors, type KeyedTensor, type LoraLayerPlan } from './format-layer-tensors.js';
import { outputMetadata, type WrittenLayerStats } from './lora-metadata.js';
import { checkLoraOptions, WRITER_RULES } from '../lora-option-rules.js';

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
  const cast = (r: RawTensor, what: string) => (opts.dtype ? castRaw(r, opts.dtype, `${where} ${quoteForMessage(layer.module)} ${what}`) : r);
  const { upBias, ...rest } = layer;
  const raw: LoraLayer = {
    ...rest,
    down: cast(await factorToRaw(layer.down), 'down'),
    up: cast(await factorToRaw(layer.up), 'up'),
    ...(upBias ? { upBias: cast(await factorToRaw(upBias), 'up bias') } : {}),
  };
  return formatLayerTensors(raw, opts.format, where);
}

const HASH_PLACEHOLDER = '0'.repeat(64);

/** Byte offset of the kohya hash placeholder's value in an encoded header. */
function hashOffset(header: Uint8Array): number {
  const needle = new TextEncoder().encode(`"sshs_model_hash":"${HASH_PLACEHOLDER}"`);
  outer: for (let i = 0; i + needle.length <= header.length; i++) {
    for (let j = 0; j < needle.length; j++) if (header[i + j] !== needle[j]) continue outer;
    return i + needle.length - HASH_PLACEHOLDER.length - 1;
  }
  throw new LoraFormatError('internal: kohya hash placeholder not found in the header');
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/** Where the tensor bytes go: straight behind a header fixed up front (plan known) or into a body file. */
type Sink =
  | { kind: 'direct'; file: AtomicFile; specs: TensorSpec[]; plan: readonly LoraLayerPlan[]; hashAt: number; next: number }
  | { kind: 'body'; body: import('node:fs/promises').FileHandle; bodyPath: string; specs: TensorSpec[] };

/**
 * Writes a LoRA file layer by layer in any format, with memory bounded by one layer; alpha is folded
 * as the format needs and kohya's metadata and `sshs_model_hash` are filled in. Nothing appears at
 * `path` unless `commit` succeeds. With a `plan` (the layers' header facts, e.g. a reader's
 * `layers`), the header is written first and the bytes stream straight behind it (layers must then
 * come in plan order); without one, layers may come in any order and unannounced: their bytes go to a
 * temporary body file that `commit` copies behind the header.
 */
export class LoraFileWriter {
  private readonly keys = new Set<string>();
  private readonly modules = new Set<string>();
  private readonly stats: WrittenLayerStats = { ranks: new Set(), alphas: new Set() };
  private done = false;

  private constructor(
    /** Destination path. */
    readonly path: string,
    private readonly opts: LoraWriterOptions,
    private readonly sink: Sink,
    private readonly hash: import('node:crypto').Hash,
  ) {}

  /** Starts a LoRA file at `path` (Node only). */
  static async create(path: string, opts: LoraWriterOptions & { plan?: readonly LoraLayerPlan[] }): Promise<LoraFileWriter> {
    const { createHash } = await import('node:crypto');
    const hash = createHash('sha256');
    if (opts.plan) {
      if (opts.plan.length === 0) throw new LoraFormatError(`${path}: no LoRA layers to write`);
      const specs = opts.plan.flatMap((l) => formatLayerSpecs(l, opts.format, opts.dtype));
      const stats = { ranks: new Set(opts.plan.map((l) => l.rank)), alphas: new Set(opts.plan.map((l) => l.alpha)) };
      const header = encodeHeader(specs, outputMetadata(opts.format, opts.metadata ?? {}, stats, HASH_PLACEHOLDER));
      const hashAt = opts.format === 'kohya' ? hashOffset(header) : -1;
      const file = await openAtomicFile(path, header);
      return new LoraFileWriter(path, opts, { kind: 'direct', file, specs, plan: opts.plan, hashAt, next: 0 }, hash);
    }
    const { open } = await import('node:fs/promises');
    const bodyPath = `${path}.body-tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
    const body = await open(bodyPath, 'w+');
    return new LoraFileWriter(path, opts, { kind: 'body', body, bodyPath, specs: [] }, hash);
  }

  /** Number of layers written so far. */
  get layerCount(): number {
    return this.modules.size;
  }

  /** Appends one layer (factors may be raw bytes or tensors). */
  async write(layer: LoraLayer<LoraFactor>): Promise<void> {
    if (this.done) throw new LoraFormatError(`${this.path}: write(${quoteForMessage(layer.module)}) after commit/abort`);
    if (this.modules.has(layer.module)) throw new LoraFormatError(`${this.path}: module ${quoteForMessage(layer.module)} written twice`);
    const sink = this.sink;
    if (sink.kind === 'direct') {
      const planned = sink.plan[this.modules.size];
      if (!planned || planned.module !== layer.module || planned.alpha !== layer.alpha) {
        throw new LoraFormatError(`${this.path}: expected layer ${planned ? `${quoteForMessage(planned.module)} (alpha ${planned.alpha})` : 'none'} next, got ${quoteForMessage(layer.module)} (alpha ${layer.alpha})`);
      }
    }
    const tensors = await layerTensors(layer, this.opts, this.path);
    for (const [i, [key, t]] of tensors.entries()) {
      if (this.keys.has(key)) throw new LoraFormatError(`${this.path}: key ${quoteForMessage(key)} written twice`);
      if (sink.kind === 'direct') {
        const spec = sink.specs[sink.next + i];
        if (!spec || spec.name !== key || spec.dtype !== t.dtype || !sameShape(spec.shape, t.shape)) {
          throw new LoraFormatError(`${this.path}: ${quoteForMessage(key)} ${t.dtype} [${t.shape}] does not match the planned ${spec ? `${quoteForMessage(spec.name)} ${spec.dtype} [${spec.shape}]` : 'end of file'}`);
        }
      }
    }
    this.modules.add(layer.module);
    this.stats.ranks.add(layer.rank);
    this.stats.alphas.add(layer.alpha);
    for (const [key, t] of tensors) {
      this.keys.add(key);
      this.hash.update(t.bytes);
      if (sink.kind === 'direct') {
        await sink.file.write(t.bytes);
        sink.next++;
      } else {
        sink.specs.push({ name: key, dtype: t.dtype, shape: t.shape });
        let done = 0;
        while (done < t.bytes.byteLength) done += (await sink.body.write(t.bytes, done, t.bytes.byteLength - done)).bytesWritten;
      }
    }
  }

  /** Finishes the file and renames it into place (a planned file must have received every planned layer). */
  async commit(): Promise<void> {
    if (this.done) throw new LoraFormatError(`${this.path}: commit after commit/abort`);
    if (this.sink.kind === 'direct') return this.commitDirect(this.sink);
    const sink = this.sink;
    if (sink.specs.length === 0) {
      await this.abort();
      throw new LoraFormatError(`${this.path}: no LoRA layers to write`);
    }
    this.done = true;
    const metadata = outputMetadata(this.opts.format, this.opts.metadata ?? {}, this.stats, this.hash.digest('hex'));
    const out = await openAtomicFile(this.path);
    try {
      await out.write(encodeHeader(sink.specs, metadata));
      const { size } = await sink.body.stat();
      const buf = new Uint8Array(Math.min(COPY_CHUNK, Math.max(size, 1)));
      for (let at = 0; at < size; ) {
        const { bytesRead } = await sink.body.read(buf, 0, Math.min(buf.byteLength, size - at), at);
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

  private async commitDirect(sink: Extract<Sink, { kind: 'direct' }>): Promise<void> {
    if (sink.next !== sink.specs.length) {
      await this.abort();
      throw new LoraFormatError(`${this.path}: only ${this.modules.size} of ${sink.plan.length} planned layers were written (next: ${quoteForMessage(sink.plan[this.modules.size]?.module ?? '')})`);
    }
    this.done = true;
    try {
      if (sink.hashAt >= 0) {
        const { open } = await import('node:fs/promises');
        const h = await open(sink.file.tempPath, 'r+');
        try {
          await h.write(new TextEncoder().encode(this.hash.digest('hex')), 0, 64, sink.hashAt);
        } finally {
          await h.close();
        }
      }
      await sink.file.commit();
    } catch (error) {
      await sink.file.abort();
      throw error;
    }
  }

  /** Discards everything written (idempotent). */
  async abort(): Promise<void> {
    this.done = true;
    if (this.sink.kind === 'direct') await this.sink.file.abort();
    else await this.removeBody();
  }

  private async removeBody(): Promise<void> {
    if (this.sink.kind !== 'body') return;
    const { rm } = await import('node:fs/promises');
    await this.sink.body.close().catch(() => undefined);
    await rm(this.sink.bodyPath, { force: true });
  }
}

/** Writes layers to a LoRA file (Node); on any error nothing is left at `path` and no temp file remains. */
export async function writeLoraFile(path: string, layers: Iterable<LoraLayer<LoraFactor>> | AsyncIterable<LoraLayer<LoraFactor>>, opts: LoraWriterOptions): Promise<void> {
  checkLoraOptions('writeLoraFile', opts, WRITER_RULES);
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
  checkLoraOptions('serializeLoraLayers', opts, WRITER_RULES);
  const tensors: Record<string, RawTensor> = {};
  const stats: WrittenLayerStats = { ranks: new Set(), alphas: new Set() };
  const modules = new Set<string>();
  for (const layer of layers) {
    if (modules.has(layer.module)) throw new LoraFormatError(`in-memory LoRA: module ${quoteForMessage(layer.module)} appears twice`);
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
