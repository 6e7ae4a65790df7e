import type { CaseRandom } from './case-random.js';

/** One way to damage a file; `name` goes into the fuzz report. */
export interface Mutator {
  readonly name: string;
  mutate(bytes: Uint8Array, rnd: CaseRandom): Uint8Array;
}

const utf8 = new TextEncoder();

function headerOf(bytes: Uint8Array): { text: string; data: Uint8Array } | undefined {
  if (bytes.length < 8) return undefined;
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (8 + n > bytes.length) return undefined;
  return { text: Buffer.from(bytes.subarray(8, 8 + n)).toString('latin1'), data: bytes.subarray(8 + n) };
}

/** A file from header text (latin1, so byte-level edits survive) and data, with a correct length prefix. */
function withHeader(text: string | Uint8Array, data: Uint8Array): Uint8Array {
  const header = typeof text === 'string' ? Buffer.from(text, 'latin1') : text;
  const out = new Uint8Array(8 + header.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(header.length), true);
  out.set(header, 8);
  out.set(data, 8 + header.length);
  return out;
}

/** Applies `edit` to the header text; files without a readable header pass through unchanged. */
function headerEdit(name: string, edit: (text: string, rnd: CaseRandom) => string): Mutator {
  return {
    name,
    mutate(bytes, rnd) {
      const h = headerOf(bytes);
      return h ? withHeader(edit(h.text, rnd), h.data) : bytes;
    },
  };
}

/** Positions of a regex's matches in the header text. */
function matches(text: string, re: RegExp): RegExpExecArray[] {
  return [...text.matchAll(new RegExp(re.source, 'g'))];
}

function replaceOne(text: string, re: RegExp, rnd: CaseRandom, by: (m: RegExpExecArray) => string): string {
  const all = matches(text, re);
  if (all.length === 0) return text;
  const m = rnd.pick(all);
  return text.slice(0, m.index) + by(m) + text.slice(m.index + m[0].length);
}

const INTERESTING = [0x00, 0xff, 0x7b, 0x7d, 0x5b, 0x5d, 0x22, 0x2c, 0x3a, 0x30, 0x31, 0x39, 0x2e, 0x65, 0x2d, 0x20, 0x5c, 0x80, 0xc0, 0xef];

/** Every mutator, byte-level first, then edits that keep the file a well-framed header. */
export const MUTATORS: readonly Mutator[] = [
  {
    name: 'bit-flip',
    mutate(bytes, rnd) {
      const out = bytes.slice();
      // Mostly in the header, where a flip changes structure rather than a weight.
      const h = headerOf(bytes);
      const limit = h && rnd.chance(0.85) ? 8 + utf8.encode(h.text).length : out.length;
      const at = rnd.int(Math.min(limit, out.length));
      out[at] ^= 1 << rnd.int(8);
      return out;
    },
  },
  {
    name: 'byte-set',
    mutate(bytes, rnd) {
      const out = bytes.slice();
      const count = 1 + rnd.int(4);
      for (let i = 0; i < count; i++) out[rnd.int(out.length)] = rnd.pick(INTERESTING);
      return out;
    },
  },
  {
    name: 'truncate',
    mutate: (bytes, rnd) => bytes.slice(0, rnd.int(bytes.length)),
  },
  {
    name: 'extend',
    mutate(bytes, rnd) {
      const extra = new Uint8Array(1 + rnd.int(16)).map(() => rnd.int(256));
      return new Uint8Array([...bytes, ...extra]);
    },
  },
  {
    name: 'splice-range',
    mutate(bytes, rnd) {
      const a = rnd.int(bytes.length);
      const b = a + rnd.int(Math.min(32, bytes.length - a));
      const at = rnd.int(bytes.length);
      const piece = bytes.slice(a, b);
      return rnd.chance(0.5) ? new Uint8Array([...bytes.slice(0, at), ...piece, ...bytes.slice(at)]) : new Uint8Array([...bytes.slice(0, a), ...bytes.slice(b)]);
    },
  },
  {
    name: 'length-prefix',
    mutate(bytes, rnd) {
      const out = bytes.slice();
      if (out.length < 8) return out;
      const view = new DataView(out.buffer, out.byteOffset, 8);
      const n = view.getBigUint64(0, true);
      const choices = [n + 1n, n - 1n, n + 8n, n - 8n, 0n, 2n ** 64n - 1n, BigInt(out.length), 100_000_001n, BigInt(rnd.uint32())];
      view.setBigUint64(0, BigInt.asUintN(64, rnd.pick(choices)), true);
      return out;
    },
  },
  headerEdit('duplicate-key', (text, rnd) =>
    // Repeat one "key": value member right after itself (object members only: a key is followed by ':').
    replaceOne(text, /"[^"\\]*":\s*("[^"\\]*"|\[[^\][]*\]|\{[^{}]*\}|null)/, rnd, (m) => `${m[0]},${m[0]}`),
  ),
  headerEdit('float-number', (text, rnd) => replaceOne(text, /(?<=[[,])\d+(?=[\],])/, rnd, (m) => rnd.pick([`${m[0]}.0`, `${m[0]}e0`, `${m[0]}E+0`, `-${m[0]}`, `0${m[0]}`, `${m[0]}.`, '-0', `${BigInt(m[0]) + 2n ** 60n}`]))),
  headerEdit('number-change', (text, rnd) => replaceOne(text, /(?<=[[,])\d+(?=[\],])/, rnd, (m) => `${rnd.pick([0, 1, Number(m[0]) + 1, Math.max(0, Number(m[0]) - 1), Number(m[0]) * 2, rnd.uint32()])}`)),
  headerEdit('deep-nesting', (text, rnd) => {
    const depth = rnd.pick([126, 127, 128, 129, 500, 5000]);
    // The nested value takes the field's place and the old value moves to a new field "x".
    return replaceOne(text, /"(shape|dtype|data_offsets|__metadata__)":\s*/, rnd, (m) => `${m[0]}${'['.repeat(depth)}1${']'.repeat(depth)},"x":`);
  }),
  headerEdit('dtype-change', (text, rnd) => replaceOne(text, /"dtype":\s*"[A-Z0-9]+"/, rnd, () => `"dtype":${rnd.pick(['"F32"', '"F16"', '"I64"', '"U8"', '"Q4"', '"f32"', '""', '1', 'null', '["F32"]'])}`)),
  headerEdit('metadata-change', (text, rnd) => {
    const value = rnd.pick(['null', '{}', '[]', '{"a":1}', '{"a":"1","a":"2"}', '{"__proto__":"x"}', '"x"', '{"a":{"b":"c"}}']);
    return text.includes('"__metadata__"') ? replaceOne(text, /"__metadata__":\s*\{[^{}]*\}/, rnd, () => `"__metadata__":${value}`) : text.replace(/^\{/, `{"__metadata__":${value},`);
  }),
  headerEdit('remove-field', (text, rnd) => replaceOne(text, /"(dtype|shape|data_offsets)":\s*("[^"]*"|\[[^\]]*\]),?/, rnd, () => '')),
  headerEdit('key-rename', (text, rnd) =>
    replaceOne(text, /lora_(A|B|down|up)(\.default)?\.weight|alpha/, rnd, () => rnd.pick(['lora_B.bias', 'lora_A.weight', 'lora_B.weight', 'lora_down.weight', 'lora_up.weight', 'alpha', 'lora_A.default.weight', 'weight', 'hada_w1_a', 'lora_B.bias.x'])),
  ),
  headerEdit('rank-zero', (text, rnd) => replaceOne(text, /"shape":\s*\[(\d+)/, rnd, () => '"shape":[0')),
  headerEdit('encoding', (text, rnd) =>
    rnd.pick([
      () => `\u00ef\u00bb\u00bf${text}`, // BOM as raw bytes
      () => replaceOne(text, /"[a-z_]/, rnd, (m) => `"\u00ff${m[0].slice(1)}`), // invalid UTF-8 byte in a key
      () => replaceOne(text, /"[a-z_]/, rnd, (m) => `"\u00c3\u00a9${m[0].slice(1)}`), // valid UTF-8 é
      () => replaceOne(text, /"[a-z_]/, rnd, (m) => `"\\ud800${m[0].slice(1)}`), // lone surrogate escape
      () => replaceOne(text, /"[a-z_]/, rnd, (m) => `"\\u0041${m[0].slice(1)}`), // harmless escape
      () => ` ${text}`,
      () => `${text}\n\t `,
      () => `${text}x`,
    ])(),
  ),
  headerEdit('swap-offsets', (text, rnd) => {
    const all = matches(text, /"data_offsets":\s*\[\d+,\s*\d+\]/);
    if (all.length < 2) return text;
    const a = rnd.pick(all);
    const b = rnd.pick(all);
    if (a.index === b.index) return text;
    const [first, second] = a.index < b.index ? [a, b] : [b, a];
    return text.slice(0, first.index) + second[0] + text.slice(first.index + first[0].length, second.index) + first[0] + text.slice(second.index + second[0].length);
  }),
];

/** Applies 1-3 random mutators in sequence; returns the names used. */
export function mutate(bytes: Uint8Array, rnd: CaseRandom): { bytes: Uint8Array; names: string[] } {
  let out = bytes;
  const names: string[] = [];
  const count = 1 + rnd.int(3);
  for (let i = 0; i < count; i++) {
    const m = rnd.pick(MUTATORS);
    out = m.mutate(out, rnd);
    names.push(m.name);
  }
  return { bytes: out, names };
}
