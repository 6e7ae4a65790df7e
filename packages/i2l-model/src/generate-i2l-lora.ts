import { getDevice, option, type Device, type SafetensorsDType } from '@loraflow/tensor-core';
import {
  LORA_FLOAT_DTYPES,
  LORA_FORMATS,
  LoraFileWriter,
  concatLoraLayers,
  f32ToRaw,
  openLoraFile,
  type LoraFileReader,
  type LoraFormat,
  type LoraLayer,
  type LoraProgressCallback,
  type WeightedLoraLayer,
} from '@loraflow/lora-adapters';
import { readI2lEmbedding, type I2lEmbedding } from './i2l-embedding.js';
import { I2lError } from './i2l-error.js';
import { checkI2lOptions } from './i2l-options.js';
import { I2lFile, disposeInputs, type DecodedModule, type I2lDecodeInputs, type NamedEmbedding } from './i2l-file.js';
import { QWEN_IMAGE_I2L_TARGETS, targetModulePaths, type I2lTargetTable } from './target-table.js';

/** One expert (Style, Coarse or Fine model file) and the embeddings of the images it decodes. */
export interface I2lExpertInput {
  readonly model: string;
  /** Embeddings files, or embeddings already in memory (named `embedding[i]` in messages). */
  readonly embeddings: readonly (string | I2lEmbedding)[];
}

/** Options of `generateI2lLora`. */
export interface GenerateI2lOptions {
  readonly experts: readonly I2lExpertInput[];
  /** A static LoRA (Qwen-Image-i2L-Bias) concatenated once with weight 1. */
  readonly bias?: string;
  /** Output LoRA file (written atomically). */
  readonly output: string;
  /** Output format (default 'diffsynth': `transformer_blocks.{b}.{module}.lora_A.default.weight`). */
  readonly format?: LoraFormat;
  /** Output factor dtype (default: the first model file's dtype). */
  readonly dtype?: SafetensorsDType;
  /** Target table the model files are checked against (default Qwen-Image's). */
  readonly targets?: I2lTargetTable;
  /** Where the generators run (default: the CPU with its WebAssembly kernels). */
  readonly device?: Device;
  readonly metadata?: Readonly<Record<string, string>>;
  /** Called after each generator block (total = number of blocks). */
  readonly onProgress?: LoraProgressCallback;
}

/** What `generateI2lLora` wrote. */
export interface GenerateI2lResult {
  readonly output: string;
  readonly format: LoraFormat;
  readonly dtype: SafetensorsDType;
  readonly modules: number;
  /** Merged rank of every module (rank x images per expert, plus the Bias rank). */
  readonly rank: number;
  readonly experts: readonly { readonly model: string; readonly variant: string; readonly images: number; readonly dtype: SafetensorsDType }[];
  /** Things ignored on purpose (a residual given to Style, Bias modules outside the table). */
  readonly notes: readonly string[];
  /** Weight bytes read from the model files. */
  readonly bytesRead: number;
}

async function loadEmbeddings(expert: I2lExpertInput): Promise<NamedEmbedding[]> {
  const out: NamedEmbedding[] = [];
  for (const [i, e] of expert.embeddings.entries()) {
    out.push(typeof e === 'string' ? { source: e, embedding: await readI2lEmbedding(e) } : { source: `${expert.model} embedding[${i}]`, embedding: e });
  }
  return out;
}

/** One image's factors as a LoRA layer for the concatenation. */
function imageLayer(m: DecodedModule, i: number, rank: number): LoraLayer {
  return {
    module: m.module,
    kind: 'linear',
    kernel: [1, 1],
    rank,
    alpha: rank,
    down: f32ToRaw(m.down[i], [rank, m.target.inFeatures], 'F32'),
    up: f32ToRaw(m.up[i], [m.target.outFeatures, rank], 'F32'),
  };
}

/**
 * DiffSynth's Image-to-LoRA pipeline, streamed: every expert decodes its images (one LoRA each),
 * the LoRAs concatenate along rank with lora_A scaled by 1/N (N = that expert's images: the images
 * are averaged, the experts summed), and the Bias LoRA is appended once with weight 1. Generator
 * blocks are decoded one at a time across all experts and written through lora-adapters' writer,
 * so memory stays bounded by one block; nothing appears at `output` unless every step succeeded.
 */
export async function generateI2lLora(opts: GenerateI2lOptions): Promise<GenerateI2lResult> {
  checkI2lOptions('generateI2lLora', opts, {
    experts: option.array, bias: option.string, output: option.string, format: option.oneOf(LORA_FORMATS), dtype: option.oneOf(LORA_FLOAT_DTYPES),
    targets: option.object, device: option.object, metadata: option.object, onProgress: option.function,
  });
  for (const key of ['experts', 'output'] as const) {
    if (opts?.[key] === undefined) throw new I2lError(`generateI2lLora: option "${key}" is missing, expected ${key === 'experts' ? 'a list of {model, embeddings}' : 'an output file path'}`);
  }
  if (opts.experts.length === 0) throw new I2lError('i2l: no model given; pass a Style, or Coarse and Fine, model file with its embeddings');
  // The CPU device with its WebAssembly kernels (the plain `cpu` handle runs JS kernels until they are installed).
  const device = opts.device ?? (await getDevice('cpu'));
  const table = opts.targets ?? QWEN_IMAGE_I2L_TARGETS;
  const files: I2lFile[] = [];
  const inputs: I2lDecodeInputs[] = [];
  let bias: LoraFileReader | undefined;
  try {
    const notes: string[] = [];
    const embeddings: NamedEmbedding[][] = [];
    for (const expert of opts.experts) {
      if (expert.embeddings.length === 0) throw new I2lError(`${expert.model}: no embeddings files given for this model`);
      const file = await I2lFile.open(expert.model, table);
      files.push(file);
      const embs = await loadEmbeddings(expert);
      for (const e of embs) {
        const note = file.checkEmbedding(e);
        if (note) notes.push(note);
      }
      embeddings.push(embs);
    }
    const first = files[0];
    for (const f of files.slice(1)) {
      if (f.layout.table.blocks !== first.layout.table.blocks) {
        throw new I2lError(`${f.name}: ${f.layout.table.blocks} transformer blocks, but ${first.name} has ${first.layout.table.blocks}; experts must cover the same blocks`);
      }
    }
    const modules = targetModulePaths(first.layout.table);
    if (opts.bias) {
      bias = await openLoraFile(opts.bias, { moduleNames: modules });
      const missing = modules.filter((m) => !bias!.has(m));
      if (missing.length) {
        throw new I2lError(`${opts.bias}: the Bias LoRA has no layer for "${missing[0]}"${missing.length > 1 ? ` (and ${missing.length - 1} more)` : ''}; expected all ${modules.length} target modules, as DiffSynth's merge needs`);
      }
      const known = new Set(modules);
      const extra = bias.layers.filter((l) => !known.has(l.module));
      if (extra.length) notes.push(`${opts.bias}: ${extra.length} Bias layer(s) outside the target table ignored (e.g. "${extra[0].module}"), as in DiffSynth`);
    }
    const dtype = opts.dtype ?? first.layout.dtype;
    const format = opts.format ?? 'diffsynth';
    files.forEach((f, i) => inputs.push(f.prepare(embeddings[i], device)));
    const writer = await LoraFileWriter.create(opts.output, { format, dtype, metadata: { ...opts.metadata, loraflow_i2l: JSON.stringify(files.map((f, i) => ({ variant: f.layout.variant, images: embeddings[i].length }))) } });
    let rank = 0;
    try {
      const total = first.blockCount;
      for (let k = 0; k < total; k++) {
        const decoded = [];
        for (const [e, f] of files.entries()) decoded.push(await f.decodeBlock(k, inputs[e]));
        for (let j = 0; j < decoded[0].length; j++) {
          const module = decoded[0][j].module;
          const parts: WeightedLoraLayer[] = [];
          for (const [e, f] of files.entries()) {
            const m = decoded[e][j];
            for (let i = 0; i < inputs[e].count; i++) parts.push({ layer: imageLayer(m, i, f.layout.config.rank), weight: 1 / inputs[e].count });
          }
          if (bias) parts.push({ layer: await bias.readLayer(module), weight: 1 });
          const merged = concatLoraLayers(parts, { dtype, where: `i2l "${module}"` });
          rank = merged.rank;
          await writer.write(merged);
        }
        opts.onProgress?.({ done: k + 1, total, module: `blocks.${k}` });
      }
    } catch (error) {
      await writer.abort();
      throw error;
    }
    await writer.commit();
    return {
      output: opts.output,
      format,
      dtype,
      modules: modules.length,
      rank,
      experts: files.map((f, i) => ({ model: f.name, variant: f.layout.variant, images: embeddings[i].length, dtype: f.layout.dtype })),
      notes,
      bytesRead: files.reduce((n, f) => n + f.byteSize, 0),
    };
  } finally {
    for (const i of inputs) disposeInputs(i);
    for (const f of files) await f.close();
    await bias?.close();
  }
}
