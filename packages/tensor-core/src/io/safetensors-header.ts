import { SafetensorsError } from '../errors.js';
import { SAFETENSORS_DTYPE_BYTES, type SafetensorsDType, type SafetensorsEntry } from './safetensors-format.js';
import { quoteForMessage, shapeForMessage } from './message-text.js';
import { parseStrictJson, StrictJsonError, type StrictJsonObject, type StrictJsonValue } from './strict-json.js';

/** A validated safetensors header: tensor entries by name, and the `__metadata__` strings. */
export interface SafetensorsHeader {
  readonly entries: Map<string, SafetensorsEntry>;
  readonly metadata: Record<string, string>;
}

/** A short description of an untrusted JSON value for an error message (never the whole value). */
function describe(value: StrictJsonValue | undefined): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return `the string ${quoteForMessage(value, 40)}`;
  if (typeof value === 'bigint') return `the integer ${value.toString().length > 24 ? `${value.toString().slice(0, 24)}...` : value}`;
  if (typeof value === 'number') return `the non-integer number ${value}`;
  if (typeof value === 'boolean') return `${value}`;
  if (Array.isArray(value)) return `an array of ${value.length} items`;
  return `an object with ${value.size} keys`;
}

/** A non-negative integer that JS numbers hold exactly, or undefined. */
function safeCount(value: StrictJsonValue): number | undefined {
  return typeof value === 'bigint' && value >= 0n && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : undefined;
}

function countList(name: string, key: string, field: string, value: StrictJsonValue | undefined, length?: number): number[] {
  const where = `${name}: tensor ${quoteForMessage(key)}`;
  if (!Array.isArray(value)) throw new SafetensorsError(`${where} has invalid ${field}: expected an array of non-negative integers, found ${describe(value)}`);
  if (length !== undefined && value.length !== length) throw new SafetensorsError(`${where} has invalid ${field}: expected ${length} integers, found ${value.length}`);
  return value.map((item, i) => {
    const n = safeCount(item);
    // Written "2.0" or "2e0" is a float to serde_json, which the crate refuses for a usize; so do we.
    if (n === undefined) throw new SafetensorsError(`${where} has invalid ${field}: item ${i} is ${describe(item)}, expected a non-negative integer below 2^53 written without fraction or exponent`);
    return n;
  });
}

function parseEntry(name: string, key: string, value: StrictJsonValue): SafetensorsEntry {
  if (!(value instanceof Map)) throw new SafetensorsError(`${name}: tensor ${quoteForMessage(key)} header entry must be an object, found ${describe(value)}`);
  const dtype = value.get('dtype');
  if (typeof dtype !== 'string' || !Object.hasOwn(SAFETENSORS_DTYPE_BYTES, dtype)) {
    const found = typeof dtype === 'string' ? quoteForMessage(dtype, 40) : describe(dtype);
    throw new SafetensorsError(`${name}: tensor ${quoteForMessage(key)} has unknown dtype ${found} (expected one of ${Object.keys(SAFETENSORS_DTYPE_BYTES).join(', ')})`);
  }
  const shape = countList(name, key, 'shape', value.get('shape'));
  const [begin, end] = countList(name, key, 'data_offsets', value.get('data_offsets'), 2);
  if (end < begin) throw new SafetensorsError(`${name}: tensor ${quoteForMessage(key)} has invalid data_offsets: end ${end} is before begin ${begin}`);
  const bytesPer = SAFETENSORS_DTYPE_BYTES[dtype as SafetensorsDType];
  let expected = bytesPer;
  for (const d of shape) {
    expected *= d;
    if (!Number.isSafeInteger(expected)) throw new SafetensorsError(`${name}: tensor ${quoteForMessage(key)} shape ${shapeForMessage(shape)} overflows the byte count`);
  }
  if (end - begin !== expected) throw new SafetensorsError(`${name}: tensor ${quoteForMessage(key)} spans ${end - begin} bytes, but ${dtype} ${shapeForMessage(shape)} needs ${expected}`);
  return { dtype: dtype as SafetensorsDType, shape, dataOffsets: [begin, end] };
}

function parseMetadata(name: string, value: StrictJsonValue): Record<string, string> {
  // The crate reads __metadata__ as an Option, so an explicit null means "no metadata".
  const metadata: Record<string, string> = {};
  if (value === null) return metadata;
  if (!(value instanceof Map)) throw new SafetensorsError(`${name}: __metadata__ must be an object of strings or null, found ${describe(value)}`);
  for (const [k, v] of value) {
    if (typeof v !== 'string') throw new SafetensorsError(`${name}: __metadata__[${quoteForMessage(k)}] must be a string, got ${describe(v)}`);
    // defineProperty so that a key named "__proto__" stays a plain string entry.
    Object.defineProperty(metadata, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return metadata;
}

/**
 * Validates a safetensors header as strictly as the safetensors crate: UTF-8 (no replacement
 * characters), starts with "{" (so no BOM), JSON with no duplicate keys and at most 128 levels,
 * integer shapes and offsets, sizes matching dtype x shape, and data offsets that cover the data
 * section exactly, in order, with no gap or overlap.
 */
export function parseSafetensorsHeader(name: string, headerBytes: Uint8Array, dataSize: number): SafetensorsHeader {
  if (headerBytes[0] !== 0x7b) {
    const first = headerBytes.length === 0 ? 'it is empty' : `it starts with byte 0x${headerBytes[0].toString(16).padStart(2, '0')}`;
    throw new SafetensorsError(`${name}: not a safetensors file (the header must start with "{", ${first})`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(headerBytes);
  } catch {
    throw new SafetensorsError(`${name}: header is not valid UTF-8`);
  }
  let header: StrictJsonValue;
  try {
    header = parseStrictJson(text);
  } catch (error) {
    if (error instanceof StrictJsonError) throw new SafetensorsError(`${name}: header is not valid JSON (${error.message})`);
    throw error;
  }
  const top = header as StrictJsonObject;
  const entries = new Map<string, SafetensorsEntry>();
  let metadata: Record<string, string> = {};
  for (const [key, value] of top) {
    if (key === '__metadata__') metadata = parseMetadata(name, value);
    else entries.set(key, parseEntry(name, key, value));
  }
  const sorted = [...entries.entries()].sort((a, b) => a[1].dataOffsets[0] - b[1].dataOffsets[0] || a[1].dataOffsets[1] - b[1].dataOffsets[1]);
  let cursor = 0;
  for (const [key, e] of sorted) {
    const q = quoteForMessage(key);
    if (e.dataOffsets[0] < cursor) throw new SafetensorsError(`${name}: tensor ${q} overlaps the previous tensor (starts at ${e.dataOffsets[0]}, previous ends at ${cursor})`);
    if (e.dataOffsets[0] > cursor) throw new SafetensorsError(`${name}: gap of ${e.dataOffsets[0] - cursor} bytes before tensor ${q} (data must be contiguous)`);
    cursor = e.dataOffsets[1];
  }
  if (cursor !== dataSize) {
    const last = sorted[sorted.length - 1]?.[0];
    throw new SafetensorsError(
      cursor > dataSize
        ? `${name}: tensor ${quoteForMessage(last ?? '')} ends at data byte ${cursor}, but the file holds only ${dataSize} data bytes (truncated?)`
        : `${name}: ${dataSize - cursor} trailing bytes after the last tensor`,
    );
  }
  return { entries, metadata };
}
