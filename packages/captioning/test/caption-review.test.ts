import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captionFlags, writeCaptionReview } from '@loraflow/captioning';
import { uncaptionedScenes } from './scene-folder.js';

describe('caption flags', () => {
  it('flags missing trigger, short and long captions, people and text', () => {
    expect(captionFlags(undefined)).toEqual(['missing caption']);
    expect(captionFlags(' ')).toEqual(['empty caption']);
    expect(captionFlags('mybg, a wide desert with dunes and mesas', { trigger: 'mybg' })).toEqual([]);
    expect(captionFlags('a wide desert with dunes and mesas', { trigger: 'mybg' })).toEqual(['missing trigger']);
    expect(captionFlags('[trigger], a wide desert with dunes and mesas', { trigger: 'mybg' })).toEqual([]);
    expect(captionFlags('mybg, desert', { trigger: 'mybg' })).toEqual(['very short']);
    expect(captionFlags(Array.from({ length: 30 }, () => 'dune').join(' '), { maxWords: 20 })).toEqual(['very long']);
    expect(captionFlags('a woman walks past a sign with text in the desert')).toEqual(['mentions people', 'mentions text']);
  });
});

describe('writeCaptionReview', () => {
  it('writes a self-contained HTML sheet with thumbnails, escaped captions and flags, flagged first', async () => {
    const { dir, hashes } = await uncaptionedScenes(4);
    const [a, b, c, d] = [...hashes.keys()];
    const txt = (p: string) => join(dir, p.replace(/\.png$/, '.txt'));
    await writeFile(txt(a), 'mybg, a wide desert with <b>dunes</b> & mesas at noon');
    await writeFile(txt(b), 'mybg, the same caption on two images here');
    await writeFile(txt(c), 'mybg, the same caption on two images here');
    const review = await writeCaptionReview(dir, { trigger: 'mybg' });
    expect(review.file).toBe(join(dir, 'caption-review.html'));
    const byPath = Object.fromEntries(review.entries.map((e) => [e.path, e.flags]));
    expect(byPath[a]).toEqual([]);
    expect(byPath[b]).toEqual(['duplicate caption']);
    expect(byPath[c]).toEqual(['duplicate caption']);
    expect(byPath[d]).toEqual(['missing caption']);
    expect(review.flagCounts).toEqual({ 'duplicate caption': 2, 'missing caption': 1 });
    const html = await readFile(review.file, 'utf8');
    expect(html).toContain('&lt;b&gt;dunes&lt;/b&gt; &amp; mesas');
    expect(html).not.toContain('<b>dunes</b>');
    expect(html.match(/<img src="data:image\/jpeg;base64,/g)).toHaveLength(4);
    expect(html.indexOf(d)).toBeLessThan(html.indexOf(a));
    expect(html.indexOf(b)).toBeLessThan(html.indexOf(a));
  });
});

describe('caption functions check their options', () => {
  it('name the bad option before touching the folder', async () => {
    const { captionDataset, CaptioningError } = await import('../src/index.js');
    await expect(writeCaptionReview('/nonexistent', { thumbnailSize: 4 })).rejects.toThrow('writeCaptionReview: option "thumbnailSize" is 4, expected an integer >= 8');
    await expect(writeCaptionReview('/nonexistent', { output: 'x.html' } as never)).rejects.toThrow(CaptioningError);
    await expect(captionDataset('/nonexistent', {} as never)).rejects.toThrow('captionDataset: option "captioner" is missing');
    await expect(captionDataset('/nonexistent', 'ollama' as never)).rejects.toThrow(/^captionDataset: options must be an object/);
  });
});
