import { SafetensorsError } from '../errors.js';
import { Tensor } from '../tensor.js';
import { openAtomicFile, type AtomicFile } from './atomic-file.js';
import type { RawTensor } from './safetensors-reader.js';
import { SAFETENSORS_DTYPE_BYTES, safetensorsDTypeOf, type SafetensorsDType } from './safetensors-format.js';

/** What the header needs to know about a tensor before its bytes are written. */
export interface TensorSpec {
  readonly name: string;
  readonly dtype: SafetensorsDType;
  readonly shape: readonly number[];
}

/** A tensor's bytes as safetensors stores them (halves as raw 16-bit patterns). */
export async function tensorToRaw(t: Tensor): Promise<RawTensor> {
  const storage = await t.device.backend.read(t.storage);
  return { dtype: safetensorsDTypeOf(t.dtype), shape: t.shape, bytes: new Uint8Array(storage.buffer, storage.byteOffset, storage.byteLength) };
}

function byteLength(spec: TensorSpec): number {
  return spec.shape.reduce((a, b) => a * b, 1) * SAFETENSORS_DTYPE_BYTES[spec.dtype];
}

/** The length prefix plus the JSON header, padded with spaces to a multiple of 8 bytes. */
export function encodeHeader(specs: readonly TensorSpec[], metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) if (typeof v !== 'string') throw new SafetensorsError(`metadata "${k}" must be a string, got ${typeof v}`);
    header.__metadata__ = metadata;
  }
  let offset = 0;
  const seen = new Set<string>();
  for (const s of specs) {
    if (seen.has(s.name)) throw new SafetensorsError(`tensor "${s.name}" appears twice`);
    if (s.name === '__metadata__') throw new SafetensorsError('"__metadata__" is reserved and cannot name a tensor');
    seen.add(s.name);
    const end = offset + byteLength(s);
    header[s.name] = { dtype: s.dtype, shape: s.shape, data_offsets: [offset, end] };
    offset = end;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded).fill(0x20);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  return out;
}

/**
 * Streams a safetensors file tensor by tensor (memory bounded by one tensor): the header is fixed
 * up front from the specs, bytes must arrive in spec order, and the file appears only on `commit`.
 */
export class SafetensorsWriter {
  private next = 0;

  private constructor(
    private readonly file: AtomicFile,
    private readonly specs: readonly TensorSpec[],
  ) {}

  /** Starts writing `path` (under a temp name) with the given tensor specs and metadata. */
  static async create(path: string, specs: readonly TensorSpec[], metadata: Record<string, string> = {}): Promise<SafetensorsWriter> {
    const header = encodeHeader(specs, metadata);
    const file = await openAtomicFile(path, header);
    return new SafetensorsWriter(file, specs);
  }

  /** Appends the next tensor's bytes (must match the next spec's name and size). */
  async write(name: string, bytes: Uint8Array): Promise<void> {
    const spec = this.specs[this.next];
    if (!spec) throw new SafetensorsError(`${this.file.path}: unexpected tensor "${name}" after all ${this.specs.length} declared tensors`);
    if (spec.name !== name) throw new SafetensorsError(`${this.file.path}: expected tensor "${spec.name}" next, got "${name}"`);
    if (bytes.byteLength !== byteLength(spec)) {
      throw new SafetensorsError(`${this.file.path}: tensor "${name}" has ${bytes.byteLength} bytes, ${spec.dtype} [${spec.shape}] needs ${byteLength(spec)}`);
    }
    await this.file.write(bytes);
    this.next++;
  }

  /** Finishes the file and renames it into place; fails if declared tensors are missing. */
  async commit(): Promise<void> {
    if (this.next !== this.specs.length) {
      await this.file.abort();
      throw new SafetensorsError(`${this.file.path}: only ${this.next} of ${this.specs.length} declared tensors were written (next: "${this.specs[this.next]?.name}")`);
    }
    await this.file.commit();
  }

  /** Discards the partial file. */
  abort(): Promise<void> {
    return this.file.abort();
  }
}

async function toRawMap(tensors: Record<string, Tensor | RawTensor>): Promise<[string, RawTensor][]> {
  const out: [string, RawTensor][] = [];
  for (const [name, t] of Object.entries(tensors)) out.push([name, t instanceof Tensor ? await tensorToRaw(t) : t]);
  return out;
}

/** The bytes of a safetensors file holding `tensors` (for browsers and in-memory use). */
export async function serializeSafetensors(tensors: Record<string, Tensor | RawTensor>, metadata: Record<string, string> = {}): Promise<Uint8Array> {
  const raws = await toRawMap(tensors);
  const header = encodeHeader(raws.map(([name, r]) => ({ name, dtype: r.dtype, shape: r.shape })), metadata);
  const total = header.byteLength + raws.reduce((a, [, r]) => a + r.bytes.byteLength, 0);
  const out = new Uint8Array(total);
  out.set(header, 0);
  let at = header.byteLength;
  for (const [name, r] of raws) {
    const expected = byteLength({ name, dtype: r.dtype, shape: r.shape });
    if (r.bytes.byteLength !== expected) throw new SafetensorsError(`tensor "${name}" has ${r.bytes.byteLength} bytes, ${r.dtype} [${r.shape}] needs ${expected}`);
    out.set(r.bytes, at);
    at += r.bytes.byteLength;
  }
  return out;
}

/** Writes tensors to a safetensors file atomically (temp file + rename), 8-byte aligned header, with metadata. */
export async function writeSafetensors(path: string, tensors: Record<string, Tensor | RawTensor>, metadata: Record<string, string> = {}): Promise<void> {
  const raws = await toRawMap(tensors);
  const writer = await SafetensorsWriter.create(path, raws.map(([name, r]) => ({ name, dtype: r.dtype, shape: r.shape })), metadata);
  try {
    for (const [name, r] of raws) await writer.write(name, r.bytes);
  } catch (error) {
    await writer.abort();
    throw error;
  }
  await writer.commit();
}
