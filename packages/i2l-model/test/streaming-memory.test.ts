import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { cpu, liveTensorCount } from '@loraflow/tensor-core';
import { I2lFile, disposeInputs, resolveI2lConfig, writeSyntheticI2lFile, type I2lTargetTable } from '../src/index.js';

// A full collection before each reading makes ArrayBuffer bytes count what is still referenced, not GC timing.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const dir = mkdtempSync(join(tmpdir(), 'i2l-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const table = (blocks: number): I2lTargetTable => ({
  blocks,
  groups: [
    [{ name: 'attn.to_q', inFeatures: 256, outFeatures: 256 }, { name: 'attn.to_k', inFeatures: 256, outFeatures: 256 }],
    [{ name: 'img_mlp.net.2', inFeatures: 1024, outFeatures: 256 }, { name: 'img_mod.1', inFeatures: 256, outFeatures: 1536 }],
  ],
});
const config = resolveI2lConfig({ embeddingDim: 512, compressDim: 64, residual: null });

/** Decodes every block of a file; returns the growth of live ArrayBuffer bytes after each block, and the most live tensors left by a block. */
async function decodeAll(path: string, blocks: number): Promise<{ held: number[]; tensors: number; bytes: number }> {
  const file = await I2lFile.open(path, table(blocks));
  const embedding = new Float32Array(512).map((_, i) => Math.sin(i + 1));
  const inputs = file.prepare([{ source: 'e', embedding: { imageEmbedding: embedding } }], cpu);
  gc();
  const start = process.memoryUsage().arrayBuffers;
  const liveAtStart = liveTensorCount();
  const held: number[] = [];
  let tensors = 0;
  for (let k = 0; k < file.blockCount; k++) {
    const modules = await file.decodeBlock(k, inputs);
    expect(modules[0].down[0].every(Number.isFinite)).toBe(true);
    gc();
    held.push(process.memoryUsage().arrayBuffers - start);
    tensors = Math.max(tensors, liveTensorCount() - liveAtStart);
  }
  const bytes = file.byteSize;
  disposeInputs(inputs);
  await file.close();
  return { held, tensors, bytes };
}

describe('streaming decode', () => {
  it('holds one block at a time: memory does not grow with the number of blocks', async () => {
    const small = join(dir, 'small.safetensors');
    const large = join(dir, 'large.safetensors');
    await writeSyntheticI2lFile(small, config, table(2), { dtype: 'BF16' });
    await writeSyntheticI2lFile(large, config, table(16), { dtype: 'BF16' });
    const a = await decodeAll(small, 2);
    const b = await decodeAll(large, 16);
    expect(b.bytes).toBe(8 * a.bytes); // 42 MB of bf16 weights against 5 MB
    // No tensor outlives its block, for 2 blocks as for 16.
    expect(a.tensors).toBe(0);
    expect(b.tensors).toBe(0);
    // After a full collection, what stays referenced is at most about one block (a collection
    // sometimes keeps the last block's buffers: stored bytes, their f32 copy and the device copy,
    // ~5x its bf16 size), for 2 blocks as for 16; a decode that kept its blocks would hold ~5x the
    // whole file. The largest block here (img_mlp / img_mod generators) stores 1.84 MB.
    const block = 1.84e6;
    expect(Math.max(...a.held)).toBeLessThan(8 * block);
    expect(Math.max(...b.held)).toBeLessThan(8 * block);
  });
});
