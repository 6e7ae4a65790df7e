import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SafetensorsError } from '@loraflow/tensor-core';
import { FUZZ_TARGETS, runFuzz, seedFiles, validateSafetensors, type FuzzTarget } from '../src/index.js';

function file(header: string, data = new Uint8Array(0)): Uint8Array {
  const h = Buffer.from(header, 'latin1');
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}
const W = '"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}';

describe('the independent validator', () => {
  it('accepts every seed file and the crate-valid corner cases', async () => {
    for (const seed of await seedFiles()) expect(validateSafetensors(seed.bytes)).toMatchObject({ ok: true });
    expect(validateSafetensors(file(`{"__metadata__":null,${W}}  `, new Uint8Array(4)))).toMatchObject({ ok: true });
    expect(validateSafetensors(file(`{${W},"x":{"dtype":"U8","shape":[0],"data_offsets":[4,4]},"extra":{"dtype":"U8","shape":[],"data_offsets":[4,5],"note":[[1.5]]}}`, new Uint8Array(5)))).toMatchObject({ ok: true });
    expect(validateSafetensors(file(`{"__metadata__":{"k":"${'['.repeat(10)}"},"a":{"dtype":"U8","shape":[],"data_offsets":[0,1],"z":${'['.repeat(125)}${']'.repeat(125)}}}`, new Uint8Array(1)))).toMatchObject({ ok: true });
  });

  const invalid: [string, Uint8Array][] = [
    ['duplicate tensor', file(`{${W},${W}}`, new Uint8Array(4))],
    ['duplicate metadata key', file(`{"__metadata__":{"a":"1","a":"1"},${W}}`, new Uint8Array(4))],
    ['128 levels (two objects and 126 arrays)', file(`{"a":{"dtype":"U8","shape":[],"data_offsets":[0,1],"z":${'['.repeat(126)}${']'.repeat(126)}}}`, new Uint8Array(1))],
    ['2.0 in a shape', file(`{"w":{"dtype":"F32","shape":[1.0],"data_offsets":[0,4]}}`, new Uint8Array(4))],
    ['2e0 in offsets', file(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4e0]}}`, new Uint8Array(4))],
    ['a BOM', file(`\u00ef\u00bb\u00bf{${W}}`, new Uint8Array(4))],
    ['invalid UTF-8', file(`{"\u00ff${W.slice(1)}}`, new Uint8Array(4))],
    ['a lone surrogate escape', file(`{"\\ud800${W.slice(1)}}`, new Uint8Array(4))],
    ['a gap', file(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, new Uint8Array(8))],
    ['a number as metadata', file(`{"__metadata__":{"a":1},${W}}`, new Uint8Array(4))],
  ];
  for (const [what, bytes] of invalid) {
    it(`refuses ${what}`, () => expect(validateSafetensors(bytes).ok).toBe(false));
  }
});

describe('the i2L model reader target', () => {
  const target = FUZZ_TARGETS.find((t) => t.name === 'i2L model reader')!;
  const at = async (name: string, bytes: Uint8Array) => {
    const dir = await mkdtemp(join(tmpdir(), 'i2l-target-'));
    const path = join(dir, `${name}.safetensors`);
    await writeFile(path, bytes);
    try {
      return await target.run(path, validateSafetensors(bytes));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };

  it('accepts and decodes both i2L seeds (Style, Coarse with residual) against the seed table', async () => {
    const seeds = (await seedFiles()).filter((s) => s.name.startsWith('i2l-'));
    expect(seeds.map((s) => s.name)).toEqual(['i2l-style', 'i2l-coarse']);
    for (const seed of seeds) expect(await at(seed.name, seed.bytes)).toEqual({ accepted: true });
  });

  it('refuses the other seeds with a typed error naming the file', async () => {
    for (const seed of (await seedFiles()).filter((s) => !s.name.startsWith('i2l-'))) {
      const outcome = await at(seed.name, seed.bytes);
      expect(outcome.accepted).toBe(false);
      const error = (outcome as { error: Error }).error;
      expect(target.typedErrors.some((cls) => error instanceof cls)).toBe(true);
      expect(error.message).toContain(`${seed.name}.safetensors`);
    }
  });
});

describe('the fuzz harness', () => {
  it('catches a lax reader: a JSON.parse-based one accepts invalid files', async () => {
    const lax: FuzzTarget = {
      name: 'lax reader',
      typedErrors: [SafetensorsError],
      async run(path, verdict) {
        const bytes = new Uint8Array(await (await import('node:fs/promises')).readFile(path));
        try {
          const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
          JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
        } catch {
          return { accepted: false, error: new SafetensorsError(`${path}: bad`) };
        }
        return verdict.ok ? { accepted: true } : { accepted: true, problem: `accepted (${verdict.reason})` };
      },
    };
    const report = await runFuzz({ cases: 300, seed: 7, targets: [lax] });
    expect(report.tallies[0].acceptedInvalid).toBeGreaterThan(0);
    expect(report.failures[0]).toMatchObject({ target: 'lax reader', kind: 'accepted-invalid' });
  });

  it('is deterministic: the same seed gives the same tallies', async () => {
    const a = await runFuzz({ cases: 60, seed: 3, targets: FUZZ_TARGETS.slice(0, 2) });
    const b = await runFuzz({ cases: 60, seed: 3, targets: FUZZ_TARGETS.slice(0, 2) });
    const counts = (r: typeof a) => r.tallies.map(({ ms: _ms, ...rest }) => rest);
    expect(counts(b)).toEqual(counts(a));
  });

  // The CI budget: a few thousand files through every reader, well under two minutes on 2 cores.
  it('2,000 mutated files: no crash, no hang, nothing invalid accepted, by any reader', async () => {
    const report = await runFuzz({ cases: 2000, seed: 1 });
    expect(report.failures.slice(0, 5)).toEqual([]);
    for (const t of report.tallies) {
      expect(t.cases).toBe(2000);
      expect(t.crashes + t.hangs + t.acceptedInvalid).toBe(0);
      expect(t.acceptedValid).toBeGreaterThan(0);
      expect(t.cleanErrors).toBeGreaterThan(0);
    }
  });
});
