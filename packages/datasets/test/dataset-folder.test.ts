import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captionPathFor, loadDatasetFolder, repeatsFromPath } from '@loraflow/datasets';
import { handmadePng, randomBytes } from './png-fixture.js';

async function fixture(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'lf-folder-'));
  const png = handmadePng(4, 4, 3, randomBytes(48, 1));
  await mkdir(join(root, '10_style', 'deep'), { recursive: true });
  await mkdir(join(root, 'plain'), { recursive: true });
  await mkdir(join(root, '.hidden'), { recursive: true });
  await writeFile(join(root, '10_style', 'a.png'), png);
  await writeFile(join(root, '10_style', 'a.txt'), '\uFEFFa caption  \n');
  await writeFile(join(root, '10_style', 'deep', 'b.jpg'), png);
  await writeFile(join(root, '10_style', 'deep', 'b.caption'), 'other extension');
  await writeFile(join(root, 'plain', 'c.webp'), png);
  await writeFile(join(root, 'd.PNG'), png);
  await writeFile(join(root, 'notes.md'), 'not an image');
  await writeFile(join(root, '.hidden', 'x.png'), png);
  await writeFile(join(root, 'metadata.jsonl'), `${JSON.stringify({ file_name: 'plain/c.webp', text: 'from the manifest', repeats: 3 })}\n\n`);
  return root;
}

describe('dataset folders', () => {
  it('finds images in nested folders with captions, repeats and manifest entries', async () => {
    const root = await fixture();
    const items = await loadDatasetFolder(root);
    expect(items.map((i) => i.relativePath)).toEqual(['10_style/a.png', '10_style/deep/b.jpg', 'd.PNG', 'plain/c.webp']);
    expect(items.map((i) => i.caption)).toEqual(['a caption', undefined, undefined, 'from the manifest']);
    expect(items.map((i) => i.repeats)).toEqual([10, 10, 1, 3]);
    expect(items[0].captionPath).toBe(join(root, '10_style', 'a.txt'));
  });

  it('reads another caption extension when configured', async () => {
    const root = await fixture();
    const items = await loadDatasetFolder(root, { captionExtension: 'caption' });
    expect(items[1].caption).toBe('other extension');
    expect(items[0].caption).toBeUndefined();
  });

  it('stays in the top folder when not recursive', async () => {
    const items = await loadDatasetFolder(await fixture(), { recursive: false });
    expect(items.map((i) => i.relativePath)).toEqual(['d.PNG']);
  });

  it('rejects a malformed manifest line naming file and line', async () => {
    const root = await fixture();
    await writeFile(join(root, 'metadata.jsonl'), '{"file_name": "d.PNG"}\n{oops\n');
    await expect(loadDatasetFolder(root)).rejects.toThrow(/metadata\.jsonl:2: not valid JSON/);
  });

  it('derives caption paths and repeat counts from names', () => {
    expect(captionPathFor('/x/y/img.final.png')).toBe('/x/y/img.final.txt');
    expect(repeatsFromPath('5_cats/sub/x.png')).toBe(5);
    expect(repeatsFromPath('3_a/12_b/x.png')).toBe(12);
    expect(repeatsFromPath('cats/x.png')).toBe(1);
  });
});
