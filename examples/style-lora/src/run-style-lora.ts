import { mkdir, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describeDevice, getDevice } from '@loraflow/tensor-core';
import { loadPipeline } from '@loraflow/flow-dit';
import { loadLora } from '@loraflow/lora-adapters';
import { imageGrid, loadDatasetFolder, readImage, writePng } from '@loraflow/datasets';
import { resolveTrainingConfig, trainingProgressBar, trainLora } from '@loraflow/trainer';
import { makeStyleDataset } from './make-dataset.js';
import type { StyleLoraSettings } from './style-lora-settings.js';
import { runStyleStudy } from './style-study.js';
import { fitThemeClassifier } from './theme-classifier.js';
import { writeStyleReport, type StageTiming, type StyleLoraReport } from './write-report.js';

/** Options of a run besides the settings. */
export interface RunStyleLoraOptions {
  /** Keep output_dir's training checkpoint and continue from it (default false: start over). */
  resume?: boolean;
  /** Progress lines (default console.log). */
  log?: (line: string) => void;
  /** Show the training progress bar (default true). */
  progressBar?: boolean;
}

/**
 * The whole example: render and caption the held-out theme, fit the style classifier, train the LoRA with the
 * report's recipe, sample the report's four comparisons, score them, and write grids + report pages into outDir.
 */
export async function runStyleLora(s: StyleLoraSettings, options: RunStyleLoraOptions = {}): Promise<StyleLoraReport> {
  const log = options.log ?? ((line: string) => console.log(line));
  const timings: StageTiming[] = [];
  const stage = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    log(`[${name}] ...`);
    const out = await fn();
    const c = process.cpuUsage(c0);
    const t = { stage: name, wallSeconds: (performance.now() - t0) / 1000, cpuSeconds: (c.user + c.system) / 1e6 };
    timings.push(t);
    log(`[${name}] done in ${t.wallSeconds.toFixed(1)} s wall, ${t.cpuSeconds.toFixed(1)} s CPU`);
    return out;
  };
  const device = await getDevice();
  await mkdir(s.outDir, { recursive: true });
  const loraDir = join(s.outDir, 'lora');
  if (!options.resume) await rm(loraDir, { recursive: true, force: true });
  const datasetDir = join(s.outDir, 'dataset');
  const pipeline = await loadPipeline(s.modelDir, { device });
  const heldOut = pipeline.config.training?.heldOutTheme;
  if (typeof heldOut === 'string' && heldOut !== s.heldOutTheme) {
    log(`[dataset] the base model's config names "${heldOut}" as its held-out theme; using it instead of "${s.heldOutTheme}"`);
    s.heldOutTheme = heldOut;
  }

  const captions = await stage('dataset', async () => {
    const c = await makeStyleDataset(datasetDir, { theme: s.heldOutTheme, count: s.images, size: s.imageSize, trigger: s.trigger });
    log(`[dataset] ${s.images} ${s.heldOutTheme} scenes at ${s.imageSize} px in ${relative(process.cwd(), datasetDir)}; caption: "${c[0]}"`);
    const items = (await loadDatasetFolder(datasetDir)).slice(0, 8);
    const cells = await Promise.all(items.map(async (item, i) => ({ image: await readImage(item.imagePath), label: `${i + 1}` })));
    await writePng(join(s.outDir, 'dataset.png'), await imageGrid(cells, { columns: 8, cellWidth: 128, cellHeight: 128, labelScale: 2 }));
    return c;
  });

  const size = pipeline.config.resolution;
  const clf = await stage('classifier', async () => {
    const fitted = await fitThemeClassifier({ perTheme: s.classifierPerTheme, size, seed: 70_000 });
    log(`[classifier] ${fitted.labels.length} themes, accuracy on unseen renders ${(100 * fitted.heldOutAccuracy).toFixed(1)}%`);
    return fitted;
  });

  const config = resolveTrainingConfig({ ...s.training, dataset: datasetDir, output_dir: loraDir }, 'style-lora settings');
  const trained = await stage('training', async () => {
    const bar = options.progressBar === false ? null : trainingProgressBar({ label: 'train' });
    try {
      return await trainLora(pipeline, config, { resume: options.resume, onStep: bar?.onStep, onEvent: bar ? bar.onEvent : (e) => log(`[training] ${e.message}`) });
    } finally {
      bar?.stop();
      pipeline.dispose();
    }
  });

  const loraFile = trained.emaLoraPath ?? trained.loraPath!;
  const grids = await stage('study', async () => {
    // A fresh base model with the saved file loaded, as a user would sample it.
    const model = await loadPipeline(s.modelDir, { device });
    const report = await loadLora(model.transformer, loraFile);
    log(`[study] loaded ${relative(process.cwd(), loraFile)} into ${report.loaded.length} layers`);
    try {
      return await runStyleStudy(model, s, clf, log);
    } finally {
      model.dispose();
    }
  });

  const { dataset: _d, output_dir: _o, ...recipe } = config;
  const report: StyleLoraReport = {
    mode: s.mode,
    modelDir: relative(process.cwd(), s.modelDir) || s.modelDir,
    heldOutTheme: s.heldOutTheme,
    trigger: s.trigger,
    datasetImages: s.images,
    sampleCaptions: captions,
    classifierAccuracy: clf.heldOutAccuracy,
    training: {
      steps: trained.step, seconds: trained.seconds, firstLoss: trained.losses[0], lastLoss: trained.losses.at(-1)!, recipe,
      lora: relative(s.outDir, trained.loraPath!), emaLora: trained.emaLoraPath ? relative(s.outDir, trained.emaLoraPath) : undefined,
      lossCurve: trained.lossCurvePath ? relative(s.outDir, trained.lossCurvePath) : undefined,
    },
    grids,
    timings,
    device: describeDevice(device).summary,
  };
  await writeStyleReport(s.outDir, report);
  return report;
}
