import type { Device } from '../device/device.js';
import type { StorageArray } from '../dtype.js';
import { SafetensorsError } from '../errors.js';
import { tensorFromStorage } from '../ops/creation.js';
import type { Tensor } from '../tensor.js';
import { bufferSource, fileSource, type ByteSource } from './byte-source.js';
import { MAX_HEADER_BYTES, tensorDTypeOf, type SafetensorsDType, type SafetensorsEntry } from './safetensors-format.js';
import { parseSafetensorsHeader } from './safetensors-header.js';

/** Raw bytes of one tensor as stored. */
export interface RawTensor {
  readonly dtype: SafetensorsDType;
  readonly shape: readonly number[];
  readonly bytes: Uint8Array;
}

function toStorage(raw: RawTensor, source: string, key: string): StorageArray {
  const { dtype, bytes } = raw;
  // Uint8Array's slice always copies (a Node Buffer's own slice() would be a view into its pool).
  const copy = Uint8Array.prototype.slice.call(bytes) as Uint8Array;
  const buf = copy.buffer;
  switch (dtype) {
    case 'F32':
      return new Float32Array(buf, 0, copy.byteLength / 4);
    case 'F16':
    case 'BF16':
      return new Uint16Array(buf, 0, copy.byteLength / 2);
    case 'I32':
      return new Int32Array(buf, 0, copy.byteLength / 4);
    case 'U8':
    case 'BOOL':
      return copy;
    case 'F64':
      return Float32Array.from(new Float64Array(buf, 0, copy.byteLength / 8));
    case 'I16':
      return Int32Array.from(new Int16Array(buf, 0, copy.byteLength / 2));
    case 'I8':
      return Int32Array.from(new Int8Array(buf, 0, copy.byteLength));
    case 'I64': {
      const wide = new BigInt64Array(buf, 0, copy.byteLength / 8);
      const out = new Int32Array(wide.length);
      for (let i = 0; i < wide.length; i++) {
        const v = wide[i];
        if (v > 2147483647n || v < -2147483648n) throw new SafetensorsError(`${source}: tensor "${key}" (I64) holds ${v}, which does not fit i32`);
        out[i] = Number(v);
      }
      return out;
    }
  }
}

/**
 * A lazily read safetensors file: the header is parsed and validated on open; each tensor is read
 * only when asked, so multi-GB files stream with memory bounded by the largest tensor.
 */
export class SafetensorsReader {
  private constructor(
    private readonly source: ByteSource,
    private readonly entries: Map<string, SafetensorsEntry>,
    private readonly dataStart: number,
    /** The `__metadata__` strings. */
    readonly metadata: Readonly<Record<string, string>>,
  ) {}

  /** Opens a file path (Node), bytes, or any ByteSource; throws SafetensorsError naming the file if malformed. */
  static async open(from: string | ArrayBuffer | Uint8Array | ByteSource): Promise<SafetensorsReader> {
    const source = typeof from === 'string' ? await fileSource(from) : from instanceof ArrayBuffer || from instanceof Uint8Array ? bufferSource(from) : from;
    try {
      if (source.size < 8) throw new SafetensorsError(`${source.name}: not a safetensors file (${source.size} bytes, too short for a safetensors header)`);
      const lenBytes = await source.read(0, 8);
      const headerLen = Number(new DataView(lenBytes.buffer, lenBytes.byteOffset, 8).getBigUint64(0, true));
      // Any text file (YAML, JSON, a PNG) lands here: its first 8 bytes read as an absurd length.
      if (headerLen > MAX_HEADER_BYTES) throw new SafetensorsError(`${source.name}: not a safetensors file (its header length ${headerLen} exceeds the ${MAX_HEADER_BYTES}-byte limit)`);
      if (8 + headerLen > source.size) throw new SafetensorsError(`${source.name}: not a safetensors file (its header length ${headerLen} runs past the end of the file, ${source.size} bytes)`);
      const { entries, metadata } = parseSafetensorsHeader(source.name, await source.read(8, headerLen), source.size - 8 - headerLen);
      return new SafetensorsReader(source, entries, 8 + headerLen, metadata);
    } catch (error) {
      await source.close();
      throw error;
    }
  }

  /** The file path or buffer name (for messages). */
  get name(): string {
    return this.source.name;
  }

  /** Tensor names in file order. */
  get keys(): string[] {
    return [...this.entries.entries()].sort((a, b) => a[1].dataOffsets[0] - b[1].dataOffsets[0]).map(([k]) => k);
  }

  /** Whether a tensor exists. */
  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** A tensor's header entry (dtype, shape, offsets). */
  info(key: string): SafetensorsEntry {
    const e = this.entries.get(key);
    if (!e) throw new SafetensorsError(`${this.source.name}: no tensor named "${key}"`);
    return e;
  }

  /** A tensor's stored bytes, without conversion. */
  async readRaw(key: string): Promise<RawTensor> {
    const e = this.info(key);
    const bytes = await this.source.read(this.dataStart + e.dataOffsets[0], e.dataOffsets[1] - e.dataOffsets[0]);
    return { dtype: e.dtype, shape: e.shape, bytes };
  }

  /** A tensor on `device` in its stored dtype (F64 -> f32, I64/I16/I8 -> i32 range-checked, BOOL -> u8). */
  async read(key: string, opts: { device?: Device } = {}): Promise<Tensor> {
    const raw = await this.readRaw(key);
    return tensorFromStorage(toStorage(raw, this.source.name, key), raw.shape, tensorDTypeOf(raw.dtype), { device: opts.device });
  }

  /** Every tensor, read one by one. */
  async readAll(opts: { device?: Device } = {}): Promise<Record<string, Tensor>> {
    const out: Record<string, Tensor> = {};
    for (const key of this.keys) out[key] = await this.read(key, opts);
    return out;
  }

  /** Releases the file handle. */
  close(): Promise<void> {
    return this.source.close();
  }
}

/** Opens a safetensors file or buffer for lazy per-tensor reads. */
export function readSafetensors(from: string | ArrayBuffer | Uint8Array | ByteSource): Promise<SafetensorsReader> {
  return SafetensorsReader.open(from);
}
