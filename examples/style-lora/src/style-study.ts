import { join } from 'node:path';
import { imageGrid, renderScene, writePng, type GridCell, type RasterImage } from '@loraflow/datasets';
import { insertTrigger } from '@loraflow/captioning';
import { sampleImages, type LoraTrainableModel, type SampleImagesOptions } from '@loraflow/trainer';
import { imageStatistics, meanStatistics, type ImageStatistics } from './image-statistics.js';
import type { StyleLoraSettings } from './style-lora-settings.js';
import { classifyTheme, type ThemeClassifier } from './theme-classifier.js';

/** One row of a comparison grid: a setting, its samples, the style score and the collapse statistics. */
export interface StudyRow {
  label: string;
  settings: Omit<SampleImagesOptions, 'prompt'>;
  /** Share of samples the classifier recognises as the held-out theme. */
  score: number;
  recognised: number;
  samples: number;
  /** What the classifier called each sample. */
  predicted: string[];
  stats: ImageStatistics;
  seconds: number;
}

/** One comparison of the report. */
export interface StudyGrid {
  id: 'samplers' | 'scales' | 'cfg' | 'steps';
  title: string;
  file: string;
  rows: StudyRow[];
}

/** Prompts of the comparisons: the trigger + captions of held-out-theme scenes that are not in the training set. */
export function studyPrompts(s: StyleLoraSettings, count: number): string[] {
  return Array.from({ length: count }, (_, i) => insertTrigger(renderScene({ theme: s.heldOutTheme, seed: 50_000 + i, width: s.imageSize, height: s.imageSize }).caption, s.trigger));
}

function gridPlan(s: StyleLoraSettings): { id: StudyGrid['id']; title: string; perCell: number; rows: [string, Omit<SampleImagesOptions, 'prompt'>][] }[] {
  const st = s.study;
  const base = { steps: st.steps, cfg: st.cfg, cfgNorm: st.cfgNorm, loraScale: st.loraScale, sampler: 'euler' as const };
  const norm = st.cfgNorm ? ' norm' : '';
  return [
    { id: 'samplers', title: `Sampler: flowmatch Euler vs Heun (${st.steps} steps, CFG ${st.cfg}${norm}, LoRA ${st.loraScale})`, perCell: st.perCell.samplers,
      rows: [['euler', { ...base, sampler: 'euler' }], ['heun', { ...base, sampler: 'heun' }]] },
    { id: 'scales', title: `LoRA scale (Euler ${st.steps} steps, CFG ${st.cfg}${norm})`, perCell: st.perCell.scales,
      rows: st.scales.map((x) => [`scale ${x}`, { ...base, loraScale: x }]) },
    { id: 'cfg', title: `CFG scale, plain vs norm-rescaled (Euler ${st.steps} steps, LoRA ${st.loraScale})`, perCell: st.perCell.cfg,
      rows: st.cfgs.flatMap((g): [string, Omit<SampleImagesOptions, 'prompt'>][] => (g <= 1 ? [[`cfg ${g}`, { ...base, cfg: g }]] : [[`cfg ${g}`, { ...base, cfg: g, cfgNorm: false }], [`cfg ${g} norm`, { ...base, cfg: g, cfgNorm: true }]])) },
    { id: 'steps', title: `Sampling steps (Euler, CFG ${st.cfg}${norm}, LoRA ${st.loraScale})`, perCell: st.perCell.steps,
      rows: st.stepCounts.map((n) => [`${n} steps`, { ...base, steps: n }]) },
  ];
}

/** Model calls (per image) the study makes, for the progress line's ETA. */
export function studyCalls(s: StyleLoraSettings): number {
  return gridPlan(s).reduce((a, g) => a + g.perCell * g.rows.reduce((b, [, o]) => {
    const steps = o.steps ?? 30;
    const calls = o.sampler === 'heun' ? 2 * steps - 1 : steps;
    return b + calls * ((o.cfg ?? 1) > 1 ? 2 : 1);
  }, 0), 0);
}

/** Samples every grid of the report with the LoRA-carrying model, scores each row and writes one labelled PNG per grid. */
export async function runStyleStudy<C>(model: LoraTrainableModel<C>, s: StyleLoraSettings, clf: ThemeClassifier, log: (line: string) => void): Promise<StudyGrid[]> {
  const grids: StudyGrid[] = [];
  const total = studyCalls(s);
  let done = 0;
  const t0 = performance.now();
  for (const g of gridPlan(s)) {
    const prompts = studyPrompts(s, g.perCell);
    const rows: StudyRow[] = [];
    const cells: GridCell[] = [];
    for (const [label, settings] of g.rows) {
      const start = performance.now();
      const images: RasterImage[] = await sampleImages(model, { ...settings, prompt: prompts, seed: s.study.seed, mergeLora: true });
      const predicted = images.map((im) => classifyTheme(clf, im));
      const recognised = predicted.filter((p) => p === s.heldOutTheme).length;
      const row: StudyRow = { label, settings, score: recognised / images.length, recognised, samples: images.length, predicted, stats: meanStatistics(images.map(imageStatistics)), seconds: (performance.now() - start) / 1000 };
      rows.push(row);
      images.forEach((image, k) => cells.push({ image, label: k === 0 ? `${label}: ${recognised}/${images.length}` : '' }));
      const steps = settings.steps ?? 30;
      done += g.perCell * (settings.sampler === 'heun' ? 2 * steps - 1 : steps) * ((settings.cfg ?? 1) > 1 ? 2 : 1);
      const elapsed = (performance.now() - t0) / 1000;
      log(`[study] ${g.id} ${label}: style score ${recognised}/${images.length}, saturation ${row.stats.saturation.toFixed(2)}, clipped ${(100 * row.stats.clipped).toFixed(1)}% (${row.seconds.toFixed(1)} s; study ${Math.round((100 * done) / total)}%, ETA ${Math.round((elapsed / done) * (total - done))} s)`);
    }
    const file = `grid-${g.id}.png`;
    await writePng(join(s.outDir, file), await imageGrid(cells, { columns: g.perCell, cellWidth: 128, cellHeight: 128, labelScale: 2, padding: 6 }));
    grids.push({ id: g.id, title: g.title, file, rows });
  }
  return grids;
}
