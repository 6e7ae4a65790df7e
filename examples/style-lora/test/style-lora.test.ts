import { existsSync, mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeImage, renderScene } from '@loraflow/datasets';
import { imageStatistics } from '../src/image-statistics.js';
import { runStyleLora } from '../src/run-style-lora.js';
import { styleLoraSettings } from '../src/style-lora-settings.js';
import { classifyTheme, fitThemeClassifier } from '../src/theme-classifier.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('style score parts', () => {
  it('image statistics count clipped channels and saturation exactly on a hand-made image', () => {
    // 4 pixels: pure red (2 channels clipped, saturation 1), mid grey (none, 0), white (3, 0), (200, 100, 50) (none, 0.75).
    const data = new Uint8Array([255, 0, 0, 128, 128, 128, 255, 255, 255, 200, 100, 50]);
    const s = imageStatistics({ width: 2, height: 2, channels: 3, data });
    expect(s.clipped).toBeCloseTo(6 / 12, 12);
    expect(s.saturation).toBeCloseTo((1 + 0 + 0 + 0.75) / 4, 12);
  });

  it('the theme classifier recognises unseen renders of every theme, the held-out one included', async () => {
    const clf = await fitThemeClassifier({ perTheme: 12, size: 64, seed: 70_000 });
    expect(clf.heldOutAccuracy).toBeGreaterThan(0.9);
    for (const theme of clf.labels) expect(classifyTheme(clf, renderScene({ theme, seed: 90_001, width: 64, height: 64 }).image)).toBe(theme);
  });
});

describe('style-lora quick run (STYLE_LORA_QUICK)', () => {
  it('writes the LoRA, grids and report, and the style score rises with the LoRA scale', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'style-lora-'));
    // STYLE_LORA_MODEL points the run at another base model folder (e.g. one trained with tools/train-base --out).
    const settings = styleLoraSettings('quick', { modelDir: process.env.STYLE_LORA_MODEL ?? join(root, 'models', 'base'), outDir });
    const report = await runStyleLora(settings, { progressBar: false, log: () => {} });
    for (const f of ['report.md', 'report.html', 'report.json', 'lora/maplestorybg.safetensors', 'lora/maplestorybg-ema.safetensors', 'lora/loss-curve.png']) {
      expect(existsSync(join(outDir, f)), f).toBe(true);
    }
    expect(report.grids.map((g) => g.id)).toEqual(['samplers', 'scales', 'cfg', 'steps']);
    for (const g of report.grids) {
      const png = await decodeImage(await readFile(join(outDir, g.file)));
      expect(png.height, g.file).toBeGreaterThan(100 * g.rows.length);
    }
    const scales = report.grids.find((g) => g.id === 'scales')!.rows;
    const at = (label: string) => scales.find((r) => r.label === label)!.score;
    expect(at('scale 1')).toBeGreaterThan(at('scale 0'));
    const html = await readFile(join(outDir, 'report.html'), 'utf8');
    expect(html).toContain('grid-scales.png');
  });
});
