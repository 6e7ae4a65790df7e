import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { register } from '../src/commands/dataset.js';
import { runCommand } from './run-command.js';

const run = (...args: string[]) => runCommand(register, ...args);

afterEach(() => { process.exitCode = 0; });

describe('loraflow dataset', () => {
  it('generate writes images, captions and sidecars for the chosen themes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lf-cli-gen-'));
    const { out, exitCode } = await run('dataset', 'generate', '--theme', 'desert,forest', '--count', '2', '-W', '96', '-H', '64', '--out-dir', dir, '--no-progress');
    expect(exitCode).toBe(0);
    expect(out).toBe(`wrote 4 images to ${dir}\n`);
    const files = (await readdir(dir)).sort();
    expect(files.filter((f) => f.endsWith('.png'))).toEqual(['desert-00000.png', 'desert-00001.png', 'forest-00000.png', 'forest-00001.png']);
    expect(files.filter((f) => f.endsWith('.txt'))).toHaveLength(4);
    expect(files.filter((f) => f.endsWith('.scene.json'))).toHaveLength(4);
    expect(await readFile(join(dir, 'forest-00001.txt'), 'utf8')).toMatch(/^a 2D side scrolling background, green forest theme, /);
  });

  it('check exits 0 on a clean folder and 1 with the problems listed otherwise', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lf-cli-check-'));
    await run('dataset', 'generate', '--theme', 'underwater', '--count', '2', '-W', '128', '-H', '128', '-o', dir, '--no-progress');
    const clean = await run('dataset', 'check', dir, '--resolution', '128', '--json');
    expect(clean.exitCode).toBe(0);
    expect(JSON.parse(clean.out)).toMatchObject({ images: 2, errors: 0, histogram: { '128x128@128': 2 } });
    const withTrigger = await run('dataset', 'check', dir, '--resolution', '128', '--trigger', 'mybg');
    expect(withTrigger.exitCode).toBe(1);
    expect(withTrigger.out).toContain('2 errors');
    expect(withTrigger.out).toMatch(/error\s+missing-trigger\s+underwater-00000\.png/);
    expect(withTrigger.out).toMatch(/128x128@128\s+2 #+/);
  });

  it('generate without captions leaves the folder for the captioner', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lf-cli-gen-'));
    await run('dataset', 'generate', '--theme', 'volcanic', '--count', '1', '-W', '64', '-H', '64', '--no-captions', '-o', dir, '--no-progress');
    expect((await readdir(dir)).sort()).toEqual(['volcanic-00000.png', 'volcanic-00000.scene.json']);
  });

  it('rejects an unknown theme naming the valid ones', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lf-cli-gen-'));
    await expect(run('dataset', 'generate', '--theme', 'mars', '-o', dir, '--no-progress')).rejects.toThrow(/--theme "mars": expected one of cherry-blossom/);
  });

  it('themes lists every theme', async () => {
    const { out } = await run('dataset', 'themes', '--json');
    expect(JSON.parse(out).map((t: { id: string }) => t.id)).toContain('snowy-mountains');
  });
});

describe('loraflow dataset grid', () => {
  it('tiles a folder into one PNG of the expected size', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lf-cli-grid-'));
    await run('dataset', 'generate', '--count', '1', '-W', '64', '-H', '48', '-o', dir, '--no-progress');
    const out = join(dir, 'sheet', 'grid.png');
    const { out: printed } = await run('dataset', 'grid', dir, '-o', out, '--cell', '64', '--columns', '4');
    // 8 themes in 4 columns: 2 rows; cells 64 px with 8 px padding and a 14 px label row (3x5 font at scale 2).
    expect(printed).toBe(`wrote ${out}: 8 images, ${4 * 72 + 8}x${2 * (64 + 14 + 8) + 8}\n`);
    const { readImage } = await import('@loraflow/datasets');
    const image = await readImage(out);
    expect([image.width, image.height]).toEqual([296, 180]);
  });
});
