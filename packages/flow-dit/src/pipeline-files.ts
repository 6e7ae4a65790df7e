import { cast, noGrad, readSafetensors, SafetensorsError, writeFileAtomic, writeSafetensors, type Device, type Module, type Tensor } from '@loraflow/tensor-core';
import { FlowDitError } from './flow-dit-error.js';
import { FlowPipeline } from './flow-pipeline.js';
import { validatePipelineConfig, type PipelineConfig } from './model-config.js';
import { checkOptions, option } from '@loraflow/tensor-core';

/** File names of a pipeline folder. */
export const PIPELINE_FILES = {
  config: 'config.json',
  transformer: 'transformer.safetensors',
  vae: 'vae.safetensors',
  textEncoder: 'text_encoder.safetensors',
} as const;

/** How weights are stored. */
export interface SavePipelineOptions {
  /** Storage dtype of the weights (compute stays f32); default 'f32'. */
  dtype?: 'f32' | 'bf16' | 'f16';
  /** Extra safetensors metadata (string values). */
  metadata?: Record<string, string>;
}

async function saveModule(path: string, module: Module, dtype: 'f32' | 'bf16' | 'f16', metadata: Record<string, string>): Promise<void> {
  const state: Record<string, Tensor> = {};
  noGrad(() => {
    for (const [name, p] of module.namedParameters()) state[name] = dtype === 'f32' ? p : cast(p, dtype);
  });
  await writeSafetensors(path, state, metadata);
  if (dtype !== 'f32') for (const t of Object.values(state)) t.dispose();
}

async function loadModule(path: string, module: Module, device?: Device): Promise<void> {
  let reader;
  try {
    reader = await readSafetensors(path);
  } catch (error) {
    // The reader's message already starts with the path ("no such file", "not a safetensors file").
    throw new FlowDitError(error instanceof SafetensorsError ? error.message : `${path}: cannot open weights (${(error as Error).message})`);
  }
  try {
    const state = await reader.readAll({ device });
    module.loadStateDict(state, { source: path });
    for (const t of Object.values(state)) t.dispose();
  } finally {
    await reader.close();
  }
}

/** Writes config.json and the three safetensors files (each written atomically) into `dir`. */
export async function savePipeline(pipeline: FlowPipeline, dir: string, options: SavePipelineOptions = {}): Promise<void> {
  checkOptions('savePipeline', options, { dtype: option.oneOf(['f32', 'bf16', 'f16']), metadata: option.object }, (m) => new FlowDitError(m));
  const dtype = options.dtype ?? 'f32';
  const metadata = { format: 'pt', ...(options.metadata ?? {}) };
  // Loaded here, not at the top, so a browser bundle of the package needs no file system. The folder
  // itself is created by the atomic writer behind writeSafetensors, as for every other output.
  const { join } = await import('node:path');
  await saveModule(join(dir, PIPELINE_FILES.transformer), pipeline.transformer, dtype, metadata);
  await saveModule(join(dir, PIPELINE_FILES.vae), pipeline.vae, dtype, metadata);
  await saveModule(join(dir, PIPELINE_FILES.textEncoder), pipeline.textEncoder, dtype, metadata);
  const configPath = join(dir, PIPELINE_FILES.config);
  await writeFileAtomic(configPath, `${JSON.stringify(pipeline.config, null, 2)}\n`);
}

/** Reads a pipeline folder written by {@link savePipeline}; weights are converted to f32 on load. */
export async function loadPipeline(dir: string, opts: { device?: Device } = {}): Promise<FlowPipeline> {
  checkOptions('loadPipeline', opts, { device: option.object }, (m) => new FlowDitError(m));
  const [{ readFile }, { join }] = await Promise.all([import('node:fs/promises'), import('node:path')]);
  const configPath = join(dir, PIPELINE_FILES.config);
  let config: PipelineConfig;
  try {
    config = JSON.parse(await readFile(configPath, 'utf8')) as PipelineConfig;
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') throw new FlowDitError(`${configPath}: no such file (expected a model folder with config.json and its safetensors files)`);
    throw new FlowDitError(`${configPath}: cannot read the pipeline config (${(error as Error).message})`);
  }
  validatePipelineConfig(config, configPath);
  const pipeline = new FlowPipeline(config, { device: opts.device });
  await loadModule(join(dir, PIPELINE_FILES.transformer), pipeline.transformer, opts.device);
  await loadModule(join(dir, PIPELINE_FILES.vae), pipeline.vae, opts.device);
  await loadModule(join(dir, PIPELINE_FILES.textEncoder), pipeline.textEncoder, opts.device);
  return pipeline;
}
