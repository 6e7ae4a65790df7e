import { readFile, rm } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateSceneDataset, listSceneThemes, sceneSidecarPath } from '@loraflow/datasets';
import { captionDataset, loadCaptionImage, offlineCaptioner } from '@loraflow/captioning';

describe('offline captioner', () => {
  it('returns the generator ground truth from the sidecar', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lf-offline-'));
    const [meta] = await generateSceneDataset(dir, { themes: ['volcanic'], count: 1, width: 64, height: 48, captions: false });
    const file = join(dir, 'volcanic-00000.png');
    const text = await offlineCaptioner().caption({ image: await loadCaptionImage(file, 'volcanic-00000.png'), prompt: '', signal: AbortSignal.timeout(1000) });
    expect(text).toBe(meta.caption);
  });

  it('names the right theme from colour statistics when there is no sidecar', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lf-offline-'));
    const themes = listSceneThemes();
    await generateSceneDataset(dir, { count: 2, width: 96, height: 64, seed: 500, captions: false });
    for (const t of themes) for (const s of [500, 501]) await rm(sceneSidecarPath(join(dir, `${t.id}-00${s}.png`)));
    const summary = await captionDataset(dir, { captioner: offlineCaptioner(), trigger: 'mybg' });
    expect(summary.captioned).toHaveLength(themes.length * 2);
    let right = 0;
    for (const { path, caption } of summary.captioned) {
      const theme = themes.find((t) => path.startsWith(`${t.id}-`))!;
      expect(caption.startsWith('mybg, a 2D side scrolling background, ')).toBe(true);
      expect(caption).toMatch(/(lighting|daylight), .* palette$/);
      if (caption.includes(`, ${theme.title} theme,`)) right++;
    }
    expect(right / summary.captioned.length).toBeGreaterThanOrEqual(0.9);
    expect((await readFile(join(dir, 'desert-00500.txt'), 'utf8')).trim()).toBe(summary.captioned.find((c) => c.path === 'desert-00500.png')!.caption);
  });
});

describe('captionDataset options left undefined', () => {
  it('an undefined trigger (a CLI flag left out) means no trigger, not a TypeError per image', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'offline-cap-undef-'));
    await generateSceneDataset(dir, { themes: ['desert'], count: 2, width: 32, height: 24, captions: false });
    const summary = await captionDataset(dir, { captioner: offlineCaptioner(), trigger: undefined, hint: undefined });
    expect(summary.failed).toEqual([]);
    expect(summary.captioned).toHaveLength(2);
  });
});
