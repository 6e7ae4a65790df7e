/**
 * An independent validator of the safetensors format, written from the format's README and the
 * crate's behaviour rather than from tensor-core's reader, so the fuzzer has a second opinion:
 * it uses JSON.parse plus a separate lexer pass (for duplicate keys, depth and number literals)
 * where the reader uses its own recursive-descent parser.
 */

/** Bytes per element of every dtype loraflow reads (the crate knows more; those are refused by both). */
export const SPEC_DTYPE_BYTES: Readonly<Record<string, number>> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1,
};

/** The crate's header size limit. */
export const SPEC_MAX_HEADER = 100_000_000;

/** serde_json refuses the 128th nested container. */
export const SPEC_MAX_DEPTH = 128;

/** One tensor as the validator reads the header. */
export interface SpecTensor {
  readonly dtype: string;
  readonly shape: number[];
  readonly begin: number;
  readonly end: number;
}

/** The validator's verdict. */
export type SpecVerdict =
  | { readonly ok: true; readonly tensors: Map<string, SpecTensor>; readonly metadata: Map<string, string>; readonly dataStart: number }
  | { readonly ok: false; readonly reason: string };

const invalid = (reason: string): SpecVerdict => ({ ok: false, reason });

interface Lexed {
  readonly rewritten: string;
  readonly members: number;
  readonly depth: number;
}

/**
 * One pass over JSON text outside strings: counts object members (each ':' is one), the deepest
 * nesting, and rewrites every number token to a tagged string so its literal survives JSON.parse.
 */
function lex(text: string, tag: string): Lexed {
  let out = '';
  let members = 0;
  let depth = 0;
  let deepest = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      const start = i;
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i++;
      out += text.slice(start, i);
      continue;
    }
    if (c === '-' || (c >= '0' && c <= '9')) {
      const start = i;
      while (i < text.length && /[-+0-9.eE]/.test(text[i])) i++;
      const literal = text.slice(start, i);
      // Keep JSON's own number grammar: an ill-formed literal stays as is and JSON.parse refuses it.
      out += /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$/.test(literal) ? `"${tag}${literal}"` : literal;
      continue;
    }
    if (c === '{' || c === '[') deepest = Math.max(deepest, ++depth);
    else if (c === '}' || c === ']') depth--;
    else if (c === ':') members++;
    out += c;
    i++;
  }
  return { rewritten: out, members, depth: deepest };
}

function countMembers(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + countMembers(v), 0);
  if (value && typeof value === 'object') return Object.entries(value).reduce((n, [, v]) => n + 1 + countMembers(v), 0);
  return 0;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function allStringsWellFormed(value: unknown): boolean {
  if (typeof value === 'string') return !LONE_SURROGATE.test(value);
  if (Array.isArray(value)) return value.every(allStringsWellFormed);
  if (value && typeof value === 'object') return Object.entries(value).every(([k, v]) => !LONE_SURROGATE.test(k) && allStringsWellFormed(v));
  return true;
}

function integerList(value: unknown, tag: string): bigint[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out: bigint[] = [];
  for (const v of value) {
    if (typeof v !== 'string' || !v.startsWith(tag)) return undefined;
    const literal = v.slice(tag.length);
    if (!/^(0|[1-9][0-9]*)$/.test(literal)) return undefined;
    const n = BigInt(literal);
    if (n > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
    out.push(n);
  }
  return out;
}

/** Decides whether `bytes` is a valid safetensors file, and if so what it holds. */
export function validateSafetensors(bytes: Uint8Array): SpecVerdict {
  if (bytes.length < 8) return invalid('shorter than the 8-byte length prefix');
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(SPEC_MAX_HEADER)) return invalid('header larger than 100 MB');
  const headerEnd = 8 + Number(n);
  if (headerEnd > bytes.length) return invalid('header runs past the end');
  const header = bytes.subarray(8, headerEnd);
  if (header[0] !== 0x7b) return invalid('header does not start with {');
  const text = Buffer.from(header).toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(Buffer.from(header))) return invalid('header is not valid UTF-8');
  // A tag no header can contain by chance: numbers become "<tag><literal>" strings.
  const tag = `~num-${Math.random().toString(36).slice(2)}${Date.now().toString(36)}~`;
  const lexed = lex(text, tag);
  if (lexed.depth >= SPEC_MAX_DEPTH) return invalid('nesting too deep');
  let parsed: unknown;
  try {
    parsed = JSON.parse(lexed.rewritten);
  } catch {
    return invalid('not JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return invalid('header is not an object');
  if (countMembers(parsed) !== lexed.members) return invalid('duplicate keys');
  if (!allStringsWellFormed(parsed)) return invalid('lone surrogate in a string');
  const isTagged = (v: unknown) => typeof v === 'string' && v.startsWith(tag);
  const tensors = new Map<string, SpecTensor>();
  const metadata = new Map<string, string>();
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (key === '__metadata__') {
      if (value === null) continue;
      if (!value || typeof value !== 'object' || Array.isArray(value)) return invalid('metadata is not an object');
      for (const [mk, mv] of Object.entries(value as Record<string, unknown>)) {
        if (typeof mv !== 'string' || isTagged(mv)) return invalid('metadata value is not a string');
        metadata.set(mk, mv);
      }
      continue;
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) return invalid(`entry ${key} is not an object`);
    const e = value as Record<string, unknown>;
    if (typeof e.dtype !== 'string' || isTagged(e.dtype) || !Object.hasOwn(SPEC_DTYPE_BYTES, e.dtype)) return invalid('bad dtype');
    const shape = integerList(e.shape, tag);
    const offsets = integerList(e.data_offsets, tag);
    if (!shape) return invalid('bad shape');
    if (!offsets || offsets.length !== 2) return invalid('bad data_offsets');
    const [begin, end] = offsets;
    if (end < begin) return invalid('offsets reversed');
    const size = shape.reduce((a, b) => a * b, BigInt(SPEC_DTYPE_BYTES[e.dtype]));
    if (size > BigInt(Number.MAX_SAFE_INTEGER)) return invalid('size overflow');
    if (end - begin !== size) return invalid('size does not match shape');
    tensors.set(key, { dtype: e.dtype, shape: shape.map(Number), begin: Number(begin), end: Number(end) });
  }
  const sorted = [...tensors.values()].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const t of sorted) {
    if (t.begin !== cursor) return invalid('data not contiguous');
    cursor = t.end;
  }
  if (cursor !== bytes.length - headerEnd) return invalid('data section length differs from the tensors');
  return { ok: true, tensors, metadata, dataStart: headerEnd };
}
