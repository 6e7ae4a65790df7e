/** The CLI reproducers of issue 18: each bad file gives one typed, one-line error naming the file (and key). */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { f32ToRaw, serializeLoraLayers } from '@loraflow/lora-adapters';
import { register as registerLora } from '../src/commands/lora.js';
import { register as registerRerank } from '../src/commands/rerank.js';
import { runCommand } from './run-command.js';

const dir = mkdtempSync(join(tmpdir(), 'cli-repro-'));
afterEach(() => vi.restoreAllMocks());

function rawFile(name: string, header: string, dataBytes: number): string {
  const json = Buffer.from(header);
  const out = Buffer.alloc(8 + json.length + dataBytes);
  out.writeBigUInt64LE(BigInt(json.length));
  json.copy(out, 8);
  writeFileSync(join(dir, name), out);
  return join(dir, name);
}

const deep = rawFile('deep.safetensors', `{"t.lora_A.weight":{"dtype":"F32","shape":${'['.repeat(5000)}1${']'.repeat(5000)},"data_offsets":[0,4]}}`, 4);
const biasOnly = rawFile('bias.safetensors', '{"transformer.a.lora_B.bias":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', 4);
const yaml = join(dir, 'run.yaml');
writeFileSync(yaml, 'model: models/base\nsteps: 10\n');

const commands: [string, (file: string) => Promise<unknown>][] = [
  ['lora inspect', (f) => runCommand(registerLora, 'lora', 'inspect', f)],
  ['rerank', (f) => runCommand(registerRerank, 'rerank', f, '-o', join(dir, 'out.safetensors'), '--rank', '2')],
];

describe.each(commands)('%s on the files of issue 18', (_name, run) => {
  it('a shape nested 5,000 deep: the nesting limit, not "Maximum call stack size exceeded"', async () => {
    await expect(run(deep)).rejects.toThrow(`${deep}: header is not valid JSON (nesting reaches the 128-level limit`);
  });
  it('a bias key without its factors: names the key, not "Cannot read properties of undefined"', async () => {
    await expect(run(biasOnly)).rejects.toThrow(`${biasOnly}: layer "transformer.a" has "transformer.a.lora_B.bias" but no down`);
  });
  it('a YAML file and a missing file', async () => {
    await expect(run(yaml)).rejects.toThrow(`${yaml}: not a safetensors file`);
    await expect(run(join(dir, 'missing.safetensors'))).rejects.toThrow(`${join(dir, 'missing.safetensors')}: no such file`);
  });
});

describe('rerank --rank above what the layers hold', () => {
  it('caps each layer at min(out, in) and says so instead of allocating 10^10 floats', async () => {
    const lora = join(dir, 'small.safetensors');
    const factor = (shape: number[]) => f32ToRaw(new Float32Array(shape[0] * shape[1]).map((_, i) => Math.sin(i + 1)), shape, 'F32');
    writeFileSync(lora, await serializeLoraLayers([{ module: 'a.b', kind: 'linear', kernel: [1, 1], rank: 2, alpha: 2, down: factor([2, 6]), up: factor([5, 2]) }], { format: 'peft' }));
    let err = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      err += String(chunk);
      return true;
    });
    const { exitCode } = await runCommand(registerRerank, 'rerank', lora, '-o', join(dir, 'capped.safetensors'), '--rank', '100000', '--quiet');
    expect(exitCode).toBe(0);
    expect(err).toContain('rerank: rank 100000 is above what 1 of 1 layers can hold; each was capped at min(out, in) of its layer (largest 5)');
  });
});
