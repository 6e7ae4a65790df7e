import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodePng } from '@loraflow/datasets';
import { trainLora, TrainerError } from '../src/index.js';
import { standInModel } from './stand-in-model.js';
import { sceneFolder, smallConfig } from './train-fixture.js';

describe('training refuses what dataset check calls an error, before the first step', () => {
  it('a 1x1 image is refused, naming it', async () => {
    const dir = await sceneFolder();
    await writeFile(join(dir, 'dot.png'), await encodePng({ width: 1, height: 1, channels: 3, data: new Uint8Array([200, 10, 10]) }));
    await writeFile(join(dir, 'dot.txt'), 'a red dot');
    const error = await trainLora(standInModel(), await smallConfig(dir)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrainerError);
    expect((error as Error).message).toMatch(/1 image\(s\) fail dataset check \(dot\.png: 1x1 is smaller than the minimum side 4\)/);
  });

  it('a binary-garbage caption is refused, naming it', async () => {
    const dir = await sceneFolder();
    const [first] = (await import('node:fs')).readdirSync(join(dir, 'wide')).filter((f) => f.endsWith('.txt'));
    await writeFile(join(dir, 'wide', first), new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0xfe, 0x01, 0x02]));
    const error = await trainLora(standInModel(), await smallConfig(dir)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrainerError);
    expect((error as Error).message).toMatch(/caption holds \d+ invalid UTF-8 or control characters/);
  });
});
