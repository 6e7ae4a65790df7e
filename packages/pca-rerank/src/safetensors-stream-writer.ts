import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { encodeHeader, openAtomicFile, type SafetensorsDType } from '@loraflow/tensor-core';
import { RerankError } from './rerank-error.js';

/** One tensor as it goes into a safetensors file: header dtype, shape and raw little-endian bytes. */
export interface RawTensor {
  readonly dtype: SafetensorsDType;
  readonly shape: readonly number[];
  readonly bytes: Uint8Array;
}

/**
 * Writes a safetensors file one tensor at a time when the shapes are not known in advance
 * (dynamic ranks), with memory bounded by one tensor. tensor-core's SafetensorsWriter needs every
 * shape up front because the header comes first; here tensor bytes go to `<path>.data.tmp` as they
 * arrive, and `close()` writes header + data through tensor-core's atomic temp-file-and-rename, then
 * removes the data file. A failed or aborted write leaves `path` untouched.
 */
export class SafetensorsStreamWriter {
  private readonly entries: { name: string; dtype: SafetensorsDType; shape: readonly number[] }[] = [];
  private readonly names = new Set<string>();
  private readonly hash = createHash('sha256');
  private offset = 0;

  private constructor(
    readonly path: string,
    private readonly dataPath: string,
    private readonly data: FileHandle,
  ) {}

  /** Opens the temporary data file next to `path`. */
  static async create(path: string): Promise<SafetensorsStreamWriter> {
    const dataPath = `${path}.data.tmp`;
    return new SafetensorsStreamWriter(path, dataPath, await open(dataPath, 'w'));
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
    this.entries.push({ name, dtype: tensor.dtype, shape: tensor.shape });
    this.offset += done;
  }

  /** sha256 (hex) of the data section written so far: kohya's `sshs_model_hash` once every tensor is in. */
  dataSha256(): string {
    return this.hash.copy().digest('hex');
  }

  /** Writes the header and data into `path` atomically; `metadata` values must be strings. */
  async close(metadata: Record<string, string> = {}): Promise<void> {
    await this.data.close();
    const file = await openAtomicFile(this.path);
    try {
      await file.write(encodeHeader(this.entries, metadata));
      for await (const chunk of createReadStream(this.dataPath, { highWaterMark: 1 << 22 })) await file.write(chunk as Buffer);
      await file.commit();
    } catch (error) {
      await file.abort();
      throw error;
    } finally {
      await rm(this.dataPath, { force: true });
    }
  }

  /** Discards everything written; `path` is left as it was. */
  async abort(): Promise<void> {
    await this.data.close().catch(() => undefined);
    await rm(this.dataPath, { force: true });
  }
}
