import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  classifyColors, DatasetError, fitColorClassifier, fitSceneThemeClassifier, generateSceneDataset, listSceneThemes, loadDatasetFolder, readImage, renderScene,
  resizeImage, SCENE_CAPTION_PREFIX, sceneSidecarPath,
} from '@loraflow/datasets';

const themes = listSceneThemes();

describe('procedural scenes', () => {
  it('has at least six themes with distinct ids and titles', () => {
    expect(themes.length).toBeGreaterThanOrEqual(6);
    expect(new Set(themes.map((t) => t.id)).size).toBe(themes.length);
    expect(new Set(themes.map((t) => t.title)).size).toBe(themes.length);
  });

  it('is deterministic per seed and differs between seeds', () => {
    for (const { id } of themes) {
      const a = renderScene({ theme: id, seed: 3, width: 96, height: 64 });
      const b = renderScene({ theme: id, seed: 3, width: 96, height: 64 });
      const c = renderScene({ theme: id, seed: 4, width: 96, height: 64 });
      expect(Buffer.from(a.image.data).equals(Buffer.from(b.image.data))).toBe(true);
      expect(a.caption).toBe(b.caption);
      expect(Buffer.from(a.image.data).equals(Buffer.from(c.image.data))).toBe(false);
    }
  });

  it('draws the same composition at any resolution', async () => {
    for (const { id } of themes) {
      const small = renderScene({ theme: id, seed: 11, width: 96, height: 64 });
      const large = renderScene({ theme: id, seed: 11, width: 384, height: 256 });
      expect(large.caption).toBe(small.caption);
      const down = await resizeImage(large.image, 96, 64, 'linear');
      let sum = 0;
      for (let i = 0; i < down.data.length; i++) sum += Math.abs(down.data[i] - small.image.data[i]);
      // Aliasing of thin features differs between sizes, but the layout must match: mean error under 6 of 255.
      expect(sum / down.data.length).toBeLessThan(6);
    }
  });

  it('captions start with the side-scroller phrase and name the theme and what was drawn', () => {
    for (const { id, title } of themes) {
      const { caption, metadata } = renderScene({ theme: id, seed: 1, width: 64, height: 64 });
      expect(caption.startsWith(`${SCENE_CAPTION_PREFIX}, ${title} theme, `)).toBe(true);
      expect(metadata.elements.length).toBeGreaterThanOrEqual(4);
      for (const e of metadata.elements) expect(caption).toContain(e);
    }
  });

  it('themes are separable by a colour-statistics classifier at 64 px', () => {
    const train = themes.flatMap(({ id }) => Array.from({ length: 6 }, (_, s) => ({ label: id, image: renderScene({ theme: id, seed: s, width: 64, height: 64 }).image })));
    const classifier = fitColorClassifier(train);
    let correct = 0, total = 0;
    const confusions: string[] = [];
    for (const { id } of themes) {
      for (let s = 100; s < 108; s++) {
        const { label } = classifyColors(classifier, renderScene({ theme: id, seed: s, width: 96, height: 64 }).image);
        total++;
        if (label === id) correct++; else confusions.push(`${id}#${s}->${label}`);
      }
    }
    expect(correct / total, confusions.join(' ')).toBeGreaterThanOrEqual(0.97);
  });

  it('fitSceneThemeClassifier names the theme of unseen scenes, restricted to the themes it was given', () => {
    const two = fitSceneThemeClassifier({ themes: ['desert', 'underwater'], seeds: 4 });
    expect(two.labels).toEqual(['desert', 'underwater']);
    expect(classifyColors(two, renderScene({ theme: 'desert', seed: 77, width: 80, height: 60 }).image).label).toBe('desert');
    expect(classifyColors(two, renderScene({ theme: 'underwater', seed: 78, width: 80, height: 60 }).image).label).toBe('underwater');
  });

  it('rejects an unknown theme and a bad size with the expected values', () => {
    expect(() => renderScene({ theme: 'moon', seed: 0, width: 64, height: 64 })).toThrow(/expected one of cherry-blossom/);
    expect(() => renderScene({ theme: 'desert', seed: 0, width: 4, height: 64 })).toThrow(/renderScene: option "width" is 4, expected an integer >= 8/);
  });

  it('writes a dataset folder with images, captions and metadata sidecars', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lf-scenes-'));
    const meta = await generateSceneDataset(dir, { themes: ['desert', 'underwater'], count: 2, width: 80, height: 48, seed: 5 });
    expect(meta.map((m) => `${m.theme}:${m.seed}`)).toEqual(['desert:5', 'desert:6', 'underwater:5', 'underwater:6']);
    const items = await loadDatasetFolder(dir);
    expect(items.map((i) => i.relativePath)).toEqual(['desert-00005.png', 'desert-00006.png', 'underwater-00005.png', 'underwater-00006.png']);
    for (const [k, item] of items.entries()) {
      expect(item.caption).toBe(meta[k].caption);
      const sidecar = JSON.parse(await readFile(sceneSidecarPath(item.imagePath), 'utf8'));
      expect(sidecar).toEqual(meta[k]);
      const image = await readImage(item.imagePath);
      const fresh = renderScene({ theme: meta[k].theme, seed: meta[k].seed, width: 80, height: 48 }).image;
      expect(Buffer.from(image.data).equals(Buffer.from(fresh.data))).toBe(true);
    }
  });
});

describe('renderScene options', () => {
  const ok = { theme: 'desert', seed: 3, width: 32, height: 16 };
  const refuses = (call: () => unknown, pattern: RegExp) => {
    expect(call).toThrow(DatasetError);
    expect(call).toThrow(pattern);
  };

  it('refuses bad options with a DatasetError naming the option', () => {
    refuses(() => renderScene({ ...ok, colour: 'red' } as never), /renderScene: unknown option "colour"/);
    refuses(() => renderScene({ ...ok, theme: 'moon' }), /renderScene: option "theme" is "moon", expected one of .*desert/);
    refuses(() => renderScene({ ...ok, seed: Number.NaN }), /option "seed" is NaN, expected an integer/);
    refuses(() => renderScene({ ...ok, height: Infinity }), /option "height" is Infinity, expected an integer >= 8/);
    refuses(() => renderScene('desert' as never), /renderScene: options must be an object.*got "desert"/);
    refuses(() => renderScene({ theme: 'desert', width: 32, height: 16 } as never), /option "seed" is missing/);
  });

  it('leaves valid calls unchanged', () => {
    const a = renderScene(ok);
    const b = renderScene({ ...ok, controls: undefined });
    expect(Buffer.from(b.image.data).equals(Buffer.from(a.image.data))).toBe(true);
    expect(b.caption).toBe(a.caption);
  });
});
