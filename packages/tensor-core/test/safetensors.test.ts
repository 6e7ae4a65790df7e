import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tc from '@loraflow/tensor-core';

/** Hand-builds a safetensors file from a header object and data bytes (to craft malformed files). */
function craft(header: unknown, data: Uint8Array, lengthOverride?: bigint): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, lengthOverride ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe('safetensors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lf-st-'));

  it('round-trips every dtype with metadata; the header is 8-byte aligned', async () => {
    const path = join(dir, 'all.safetensors');
    const t = {
      f32: tc.tensor([1.5, -2, 3.25], [3]),
      f16: tc.tensor([0.1, 2, -3], [3], { dtype: 'f16' }),
      bf16: tc.tensor([[1, 2], [3, 4.5]], undefined, { dtype: 'bf16' }),
      i32: tc.tensor(new Int32Array([7, -8, 2147483647])),
      u8: tc.tensor(new Uint8Array([0, 255, 3])),
    };
    await tc.writeSafetensors(path, t, { format: 'pt', note: 'hello' });
    const bytes = readFileSync(path);
    const headerLen = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    expect(headerLen % 8).toBe(0);
    const r = await tc.readSafetensors(path);
    expect(r.metadata).toEqual({ format: 'pt', note: 'hello' });
    expect(r.keys).toEqual(['f32', 'f16', 'bf16', 'i32', 'u8']);
    for (const [k, v] of Object.entries(t)) {
      const back = await r.read(k);
      expect(back.dtype).toBe(v.dtype);
      expect(back.shape).toEqual(v.shape);
      expect(Array.from(await back.data())).toEqual(Array.from(await v.data()));
    }
    expect(r.info('bf16')).toEqual({ dtype: 'BF16', shape: [2, 2], dataOffsets: [18, 26] });
    await r.close();
  });

  it('reads I64, BOOL and F64 produced by other tools', async () => {
    const data = new Uint8Array(8 * 2 + 2 + 8);
    const dv = new DataView(data.buffer);
    dv.setBigInt64(0, 5n, true);
    dv.setBigInt64(8, -3n, true);
    data[16] = 1;
    data[17] = 0;
    dv.setFloat64(18, 0.25, true);
    const file = craft(
      { a: { dtype: 'I64', shape: [2], data_offsets: [0, 16] }, b: { dtype: 'BOOL', shape: [2], data_offsets: [16, 18] }, c: { dtype: 'F64', shape: [1], data_offsets: [18, 26] } },
      data,
    );
    const r = await tc.readSafetensors(file);
    expect(Array.from(await (await r.read('a')).data())).toEqual([5, -3]);
    expect(Array.from(await (await r.read('b')).data())).toEqual([1, 0]);
    expect(Array.from(await (await r.read('c')).data())).toEqual([0.25]);
  });

  const entry = (dtype: string, shape: number[], a: number, b: number) => ({ dtype, shape, data_offsets: [a, b] });
  const malformed: [string, Uint8Array, RegExp][] = [
    ['a file shorter than 8 bytes', new Uint8Array(4), /too short/],
    ['a header length past the end', craft({}, new Uint8Array(0), 1000n), /runs past the end/],
    ['a header over 100 MB', craft({}, new Uint8Array(0), 200_000_000n), /exceeds/],
    ['bad JSON', craft('{"a": [', new Uint8Array(0)), /not valid JSON/],
    ['an unknown dtype', craft({ w: entry('Q4', [2], 0, 2) }, new Uint8Array(2)), /"w" has unknown dtype "Q4"/],
    ['a size that does not match the shape', craft({ w: entry('F32', [3], 0, 8) }, new Uint8Array(8)), /"w" spans 8 bytes, but F32 \[3\] needs 12/],
    ['overlapping tensors', craft({ a: entry('F32', [2], 0, 8), b: entry('F32', [2], 4, 12) }, new Uint8Array(12)), /"b" overlaps/],
    ['a gap between tensors', craft({ a: entry('F32', [1], 0, 4), b: entry('F32', [1], 8, 12) }, new Uint8Array(12)), /gap of 4 bytes before tensor "b"/],
    ['a truncated data section', craft({ a: entry('F32', [4], 0, 16) }, new Uint8Array(10)), /"a" ends at data byte 16, but the file holds only 10/],
    ['trailing bytes', craft({ a: entry('F32', [1], 0, 4) }, new Uint8Array(9)), /5 trailing bytes/],
    ['a non-string metadata value', craft({ __metadata__: { x: 1 } }, new Uint8Array(0)), /__metadata__\["x"\] must be a string/],
    ['a negative shape', craft({ a: entry('F32', [-1], 0, 0) }, new Uint8Array(0)), /invalid shape/],
  ];
  for (const [what, bytes, message] of malformed) {
    it(`rejects ${what} with an error naming the file`, async () => {
      const path = join(dir, `bad-${what.replace(/\W+/g, '-')}.safetensors`);
      writeFileSync(path, bytes);
      await expect(tc.readSafetensors(path)).rejects.toThrow(message);
      await expect(tc.readSafetensors(path)).rejects.toThrow(path);
      await expect(tc.readSafetensors(path)).rejects.toBeInstanceOf(tc.SafetensorsError);
    });
  }

  it('an I64 value outside i32 is refused rather than wrapped', async () => {
    const data = new Uint8Array(8);
    new DataView(data.buffer).setBigInt64(0, 1n << 40n, true);
    const r = await tc.readSafetensors(craft({ big: entry('I64', [1], 0, 8) }, data));
    await expect(r.read('big')).rejects.toThrow(/"big" \(I64\) holds 1099511627776/);
  });

  it('a streaming write that is not completed leaves no file and no temp file', async () => {
    const sub = mkdtempSync(join(tmpdir(), 'lf-st-abort-'));
    const path = join(sub, 'out.safetensors');
    const w = await tc.SafetensorsWriter.create(path, [{ name: 'a', dtype: 'F32', shape: [2] }, { name: 'b', dtype: 'F32', shape: [1] }]);
    await w.write('a', new Uint8Array(8));
    await expect(w.write('c', new Uint8Array(4))).rejects.toThrow(/expected tensor "b" next, got "c"/);
    await expect(w.commit()).rejects.toThrow(/only 1 of 2 declared tensors/);
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(sub)).toEqual([]);
  });

  it('reads lazily: a reader over a ByteSource only touches the bytes it is asked for', async () => {
    const bytes = await tc.serializeSafetensors({ a: tc.randn([1000], { seed: 1 }), b: tc.tensor([42]) });
    const inner = tc.bufferSource(bytes);
    let touched = 0;
    const counting: tc.ByteSource = { ...inner, read: (o, n) => ((touched += n), inner.read(o, n)) };
    const r = await tc.readSafetensors(counting);
    const headerBytes = touched;
    expect(await (await r.read('b')).item()).toBe(42);
    expect(touched - headerBytes).toBe(4);
  });
});

describe('safetensors from a Node Buffer', () => {
  it('reads tensors at unaligned offsets of a pooled Buffer correctly', async () => {
    const bytes = await tc.serializeSafetensors({ a: tc.tensor(new Uint8Array([9])), b: tc.tensor([5, 6]) });
    // A Buffer view at an odd offset inside a larger allocation, like Node's pooled file reads.
    const pool = Buffer.alloc(bytes.length + 3);
    pool.set(bytes, 3);
    const r = await tc.readSafetensors(pool.subarray(3));
    expect(Array.from(await (await r.read('b')).data())).toEqual([5, 6]);
  });
});
