import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tc from '@loraflow/tensor-core';

/** A safetensors file from raw header text (so duplicate keys, odd numbers and bad bytes survive). */
function rawFile(header: string | Uint8Array, data = new Uint8Array(0)): Uint8Array {
  const json = typeof header === 'string' ? new TextEncoder().encode(header) : header;
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'lf-st-strict-'));
function onDisk(name: string, bytes: Uint8Array | string): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

async function refusal(path: string): Promise<tc.SafetensorsError> {
  const error = await tc.readSafetensors(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(tc.SafetensorsError);
  const message = (error as Error).message;
  expect(message.startsWith(`${path}: `)).toBe(true);
  expect(message).not.toContain('\n');
  return error as tc.SafetensorsError;
}

const W = '"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}';

describe('safetensors header: as strict as the safetensors crate', () => {
  it('a shape nested 5,000 levels deep is refused in one short line (no stack overflow)', async () => {
    const deep = `${'['.repeat(5000)}1${']'.repeat(5000)}`;
    for (const field of ['shape', 'dtype', 'data_offsets']) {
      const entry = { dtype: '"F32"', shape: '[1]', data_offsets: '[0,4]', [field]: deep };
      const path = onDisk(`deep-${field}.safetensors`, rawFile(`{"w":{"dtype":${entry.dtype},"shape":${entry.shape},"data_offsets":${entry.data_offsets}}}`, new Uint8Array(4)));
      const error = await refusal(path);
      expect(error.message).toMatch(/nesting reaches the 128-level limit/);
      expect(error.message.length).toBeLessThan(path.length + 200);
    }
  });

  it('nesting of 127 levels is still JSON, 128 is not (serde_json limit)', () => {
    expect(() => tc.parseStrictJson(`${'['.repeat(127)}${']'.repeat(127)}`)).not.toThrow();
    expect(() => tc.parseStrictJson(`${'['.repeat(128)}${']'.repeat(128)}`)).toThrow(/128-level limit/);
  });

  const duplicates: [string, string][] = [
    ['tensor names', `{${W},${W.replace('[0,4]', '[4,8]')}}`],
    ['__metadata__', `{"__metadata__":{"a":"1"},"__metadata__":{"a":"2"},${W}}`],
    ['keys inside __metadata__', `{"__metadata__":{"a":"1","a":"2"},${W}}`],
    ['fields of an entry', `{"w":{"dtype":"F32","dtype":"I32","shape":[1],"data_offsets":[0,4]}}`],
  ];
  for (const [what, header] of duplicates) {
    it(`duplicate ${what} are refused (JSON.parse would keep the last one)`, async () => {
      const error = await refusal(onDisk(`dup-${what.replace(/\W+/g, '-')}.safetensors`, rawFile(header, new Uint8Array(8))));
      expect(error.message).toMatch(/duplicate key "(w|__metadata__|a|dtype)"/);
    });
  }

  it('invalid UTF-8 in a tensor name is refused, not replaced with U+FFFD', async () => {
    const header = new TextEncoder().encode(`{${W.replace('"w"', '"wX"')}}`);
    header[3] = 0xff;
    await expect(refusal(onDisk('bad-utf8.safetensors', rawFile(header, new Uint8Array(4))))).resolves.toHaveProperty('message', expect.stringMatching(/not valid UTF-8/));
  });

  it('a leading byte-order mark is refused', async () => {
    const header = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(`{${W}}`)]);
    const error = await refusal(onDisk('bom.safetensors', rawFile(header, new Uint8Array(4))));
    expect(error.message).toMatch(/not a safetensors file \(the header must start with "\{", it starts with byte 0xef\)/);
  });

  it('"__metadata__": null is accepted as no metadata, as the crate does', async () => {
    const r = await tc.readSafetensors(rawFile(`{"__metadata__":null,${W}}`, new Uint8Array([0, 0, 128, 63])));
    expect(r.metadata).toEqual({});
    expect(Array.from(await (await r.read('w')).data())).toEqual([1]);
  });

  for (const written of ['1.0', '1e0', '1E+0', '-0']) {
    it(`a shape dimension written ${written} is refused (a float to serde_json, not a usize)`, async () => {
      const path = onDisk(`num-${written}.safetensors`, rawFile(`{"w":{"dtype":"F32","shape":[${written}],"data_offsets":[0,4]}}`, new Uint8Array(4)));
      expect((await refusal(path)).message).toMatch(/"w" has invalid shape: item 0 is the non-integer number/);
    });
  }

  it('integers beyond 2^53 in offsets are refused without losing precision silently', async () => {
    const path = onDisk('huge-offset.safetensors', rawFile('{"w":{"dtype":"U8","shape":[1],"data_offsets":[9007199254740993,9007199254740994]}}'));
    expect((await refusal(path)).message).toMatch(/"w" has invalid data_offsets: item 0 is the integer 9007199254740993/);
  });

  it('a shape whose byte count overflows is refused', async () => {
    const path = onDisk('overflow.safetensors', rawFile('{"w":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,0]}}'));
    expect((await refusal(path)).message).toMatch(/overflows the byte count/);
  });

  it('an entry that is not an object, and metadata that is an array, are refused', async () => {
    expect((await refusal(onDisk('entry-num.safetensors', rawFile('{"w":7}')))).message).toMatch(/"w" header entry must be an object, found the integer 7/);
    expect((await refusal(onDisk('md-array.safetensors', rawFile('{"__metadata__":[]}')))).message).toMatch(/__metadata__ must be an object of strings or null/);
  });

  it('a tensor named "__proto__" and a metadata key "__proto__" are plain names', async () => {
    const r = await tc.readSafetensors(rawFile(`{"__metadata__":{"__proto__":"x"},${W.replace('"w"', '"__proto__"')}}`, new Uint8Array(4)));
    expect(r.keys).toEqual(['__proto__']);
    expect(Object.keys(r.metadata)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(r.metadata)).toBe(Object.prototype);
  });

  it('lone surrogate escapes, control characters and trailing garbage are refused', () => {
    expect(() => tc.parseStrictJson('"\\ud800"')).toThrow(/lone leading surrogate/);
    expect(() => tc.parseStrictJson('"\\udc00"')).toThrow(/lone trailing surrogate/);
    expect(() => tc.parseStrictJson('"a\u0001"')).toThrow(/control character/);
    expect(() => tc.parseStrictJson('{} x')).toThrow(/trailing characters/);
    expect(tc.parseStrictJson('"\\ud83d\\ude00"')).toBe('\u{1f600}');
  });

  it('a long bad dtype string is quoted only in part', async () => {
    const path = onDisk('long-dtype.safetensors', rawFile(`{"w":{"dtype":"${'Q'.repeat(100_000)}","shape":[],"data_offsets":[0,0]}}`));
    const error = await refusal(path);
    expect(error.message).toMatch(/unknown dtype "Q{40}\.\.\."/);
    expect(error.message.length).toBeLessThan(path.length + 200);
  });

  it('a YAML file is "not a safetensors file", naming the path', async () => {
    const path = onDisk('config.yaml', 'model: models/tiny\nsteps: 20\nrank: 4\n');
    expect((await refusal(path)).message).toMatch(/: not a safetensors file \(its header length \d+ exceeds/);
  });

  it('a missing file says "no such file" with the path, a folder says so', async () => {
    const missing = join(dir, 'missing.safetensors');
    await expect(tc.readSafetensors(missing)).rejects.toThrow(`${missing}: no such file`);
    await expect(tc.readSafetensors(dir)).rejects.toThrow(`${dir}: is a directory`);
  });
});

describe('atomic writes', () => {
  it('a write removes temp files of dead processes beside its target, and keeps live ones', async () => {
    const sub = mkdtempSync(join(tmpdir(), 'lf-atomic-'));
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    const target = join(sub, 'out.safetensors');
    const stale = [`out.safetensors${tc.ATOMIC_TEMP_INFIX}${dead}-abc123`, `out.safetensors.tmp-${dead}-zz9`];
    const live = `out.safetensors${tc.ATOMIC_TEMP_INFIX}${process.ppid}-keep01`;
    for (const name of [...stale, live, 'other.safetensors.tmp-1-x']) writeFileSync(join(sub, name), 'partial');
    await tc.writeSafetensors(target, { a: tc.tensor([1, 2], [2]) });
    expect(readdirSync(sub).sort()).toEqual([live, 'other.safetensors.tmp-1-x', 'out.safetensors'].sort());
  });

  it('the parent folder is created, and an error mid-write leaves neither file nor temp file', async () => {
    const sub = join(mkdtempSync(join(tmpdir(), 'lf-atomic-')), 'new', 'folder');
    await tc.writeFileAtomic(join(sub, 'a.txt'), 'hello');
    expect(readdirSync(sub)).toEqual(['a.txt']);
    const w = await tc.SafetensorsWriter.create(join(sub, 'b.safetensors'), [{ name: 'x', dtype: 'F32', shape: [2] }]);
    await expect(w.write('x', new Uint8Array(3))).rejects.toThrow(/has 3 bytes/);
    await w.abort();
    expect(readdirSync(sub)).toEqual(['a.txt']);
  });

  it('SIGTERM during a write removes the temp file (no other handler installed)', async () => {
    const sub = mkdtempSync(join(tmpdir(), 'lf-atomic-sig-'));
    const script = `
      const tc = await import('@loraflow/tensor-core');
      const f = await tc.openAtomicFile(${JSON.stringify(join(sub, 'x.bin'))});
      await f.write(new Uint8Array(16));
      process.stdout.write('ready\\n');
      setTimeout(() => {}, 30000);`;
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', '--input-type=module', '-e', script], { cwd: join(import.meta.dirname, '..'), stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve()));
    expect(readdirSync(sub).some((n) => n.includes(tc.ATOMIC_TEMP_INFIX))).toBe(true);
    const exit = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    child.kill('SIGTERM');
    expect(await exit).toBe('SIGTERM');
    expect(readdirSync(sub)).toEqual([]);
  });
});
