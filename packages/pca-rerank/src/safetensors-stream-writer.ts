import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { RerankError } from './rerank-error.js';

/** One tensor as it goes into a safetensors file: header dtype name (`BF16`, `F32`, ...), shape and raw little-endian bytes. */
export interface RawTensor {
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly bytes: Uint8Array;
}

/**
 * Writes a safetensors file one tensor at a time with memory bounded by one tensor.
 * The header (which lists every tensor's offsets) must come first but is only known at the end,
 * so tensor bytes go to `<path>.data.tmp` as they arrive; `close()` writes header + data to
 * `<path>.tmp`, renames it over `path` and removes the data file. A failed or aborted write
 * leaves `path` untouched.
 */
export class SafetensorsStreamWriter {
  private readonly entries: { name: string; dtype: string; shape: readonly number[]; begin: number; end: number }[] = [];
  private readonly names = new Set<string>();
  private readonly hash = createHash('sha256');
  private offset = 0;

  private constructor(
    readonly path: string,
    private readonly data: FileHandle,
  ) {}

  /** Opens the temporary data file next to `path`. */
  static async create(path: string): Promise<SafetensorsStreamWriter> {
    return new SafetensorsStreamWriter(path, await open(`${path}.data.tmp`, 'w'));
  }

  /** Appends one tensor. */
  async add(name: string, tensor: RawTensor): Promise<void> {
    if (this.names.has(name)) throw new RerankError(`${this.path}: tensor "${name}" written twice`);
    this.names.add(name);
    let done = 0;
    while (done < tensor.bytes.byteLength) {
      const { bytesWritten } = await this.data.write(tensor.bytes, done, tensor.bytes.byteLength - done, this.offset + done);
      done += bytesWritten;
    }
    this.hash.update(tensor.bytes);
    this.entries.push({ name, dtype: tensor.dtype, shape: tensor.shape, begin: this.offset, end: this.offset + done });
    this.offset += done;
  }

  /** sha256 (hex) of the data section written so far: kohya's `sshs_model_hash` once every tensor is in. */
  dataSha256(): string {
    return this.hash.copy().digest('hex');
  }

  /** Writes the header and data into `path` atomically; `metadata` values must be strings. */
  async close(metadata: Record<string, string> = {}): Promise<void> {
    await this.data.close();
    const header: Record<string, unknown> = {};
    if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
    for (const e of this.entries) header[e.name] = { dtype: e.dtype, shape: e.shape, data_offsets: [e.begin, e.end] };
    let json = JSON.stringify(header);
    // Pad with spaces so the data section starts 8-byte aligned, as the reference writer does.
    json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
    const headerBytes = Buffer.from(json, 'utf8');
    const prefix = Buffer.alloc(8);
    prefix.writeBigUInt64LE(BigInt(headerBytes.byteLength));
    const tmp = `${this.path}.tmp`;
    const out = await open(tmp, 'w');
    try {
      await out.write(prefix);
      await out.write(headerBytes);
      for await (const chunk of createReadStream(`${this.path}.data.tmp`, { highWaterMark: 1 << 22 })) await out.write(chunk as Buffer);
      await out.sync();
    } finally {
      await out.close();
    }
    await rename(tmp, this.path);
    await rm(`${this.path}.data.tmp`, { force: true });
  }

  /** Discards everything written; `path` is left as it was. */
  async abort(): Promise<void> {
    await this.data.close().catch(() => undefined);
    await rm(`${this.path}.data.tmp`, { force: true });
    await rm(`${this.path}.tmp`, { force: true });
  }
}
