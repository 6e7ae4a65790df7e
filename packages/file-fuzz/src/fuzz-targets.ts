import { readdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { I2lError, I2lFile, disposeInputs, i2lStateSpecs, type I2lLayout } from '@loraflow/i2l-model';
import { LoraError, convertLoraFile, inspectLoraFile, loadLora, openLoraFile, type LoraLayerInfo } from '@loraflow/lora-adapters';
import { Conv2d, Generator, Linear, Module, ModuleList, SafetensorsError, readSafetensors } from '@loraflow/tensor-core';
import { I2L_SEED_TABLE } from './seed-files.js';
import { validateSafetensors, type SpecVerdict } from './spec-validator.js';

/** What a target did with one file: accepted it (and whether what it read agrees with the validator), or threw. */
export type TargetOutcome = { readonly accepted: true; readonly problem?: string } | { readonly accepted: false; readonly error: unknown };

/**
 * One reader under test. `run` reads the file at `path`; `check` (optional) returns a problem when an
 * accepted file was read wrongly. `typedErrors` are the clean refusals; anything else thrown is a crash.
 */
export interface FuzzTarget {
  readonly name: string;
  readonly typedErrors: readonly (abstract new (...args: never[]) => Error)[];
  run(path: string, verdict: SpecVerdict): Promise<TargetOutcome>;
}

const sameList = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i]);

async function tempFilesBeside(path: string): Promise<string[]> {
  return (await readdir(dirname(path))).filter((n) => n.startsWith(basename(path)) && n !== basename(path));
}

/** tensor-core's reader: every entry, the metadata and every tensor's bytes must match the validator's reading. */
const tensorReader: FuzzTarget = {
  name: 'tensor reader',
  typedErrors: [SafetensorsError],
  async run(path, verdict) {
    let reader;
    try {
      reader = await readSafetensors(path);
    } catch (error) {
      return { accepted: false, error };
    }
    try {
      if (!verdict.ok) return { accepted: true, problem: `accepted a file the validator refuses (${verdict.reason})` };
      const keys = reader.keys;
      if (keys.length !== verdict.tensors.size || keys.some((k) => !verdict.tensors.has(k))) return { accepted: true, problem: 'tensor names differ from the validator' };
      for (const key of keys) {
        const e = reader.info(key);
        const v = verdict.tensors.get(key)!;
        if (e.dtype !== v.dtype || !sameList(e.shape, v.shape) || e.dataOffsets[0] !== v.begin || e.dataOffsets[1] !== v.end) return { accepted: true, problem: `entry "${key}" differs from the validator` };
        await reader.readRaw(key);
      }
      const md = Object.entries(reader.metadata);
      if (md.length !== verdict.metadata.size || md.some(([k, v]) => verdict.metadata.get(k) !== v)) return { accepted: true, problem: 'metadata differs from the validator' };
      return { accepted: true };
    } catch (error) {
      return { accepted: false, error };
    } finally {
      await reader.close();
    }
  },
};

/** Invariants of an accepted LoRA, checked against the validator's tensor list rather than the reader's. */
function loraProblem(layers: readonly LoraLayerInfo[], verdict: SpecVerdict): string | undefined {
  if (!verdict.ok) return `accepted a file the validator refuses (${verdict.reason})`;
  const used = new Set<string>();
  for (const l of layers) {
    for (const key of [l.down.key, l.up.key, l.upBias?.key, l.alphaKey]) {
      if (key === undefined) continue;
      if (used.has(key) || !verdict.tensors.has(key)) return `key "${key}" used twice or not in the file`;
      used.add(key);
    }
    const down = verdict.tensors.get(l.down.key)!.shape;
    const up = verdict.tensors.get(l.up.key)!.shape;
    if (!(l.rank >= 1) || down[0] !== l.rank || up[1] !== l.rank) return `layer "${l.module}" rank ${l.rank} disagrees with down [${down}] / up [${up}]`;
    if (down.some((d) => d < 1) || up.some((d) => d < 1)) return `layer "${l.module}" has a zero-sized factor`;
    if (l.upBias && !sameList(verdict.tensors.get(l.upBias.key)!.shape, [up[0]])) return `layer "${l.module}" bias does not match out ${up[0]}`;
    if (!Number.isFinite(l.alpha)) return `layer "${l.module}" alpha ${l.alpha}`;
  }
  if (used.size !== verdict.tensors.size) return `${verdict.tensors.size - used.size} tensors of the file belong to no layer`;
  return undefined;
}

const loraReader: FuzzTarget = {
  name: 'LoRA reader',
  typedErrors: [SafetensorsError, LoraError],
  async run(path, verdict) {
    let reader;
    try {
      reader = await openLoraFile(path);
      for await (const _layer of reader) void _layer;
    } catch (error) {
      await reader?.close();
      return { accepted: false, error };
    }
    await reader.close();
    return { accepted: true, problem: loraProblem(reader.layers, verdict) };
  },
};

const loraInspect: FuzzTarget = {
  name: 'lora inspect',
  typedErrors: [SafetensorsError, LoraError],
  async run(path, verdict) {
    try {
      const summary = await inspectLoraFile(path);
      if (!verdict.ok) return { accepted: true, problem: `accepted a file the validator refuses (${verdict.reason})` };
      return { accepted: true, problem: summary.layers < 1 ? 'a summary with no layers' : undefined };
    } catch (error) {
      return { accepted: false, error };
    }
  },
};

/** Converts to another format; the output must be valid to the validator and hold the same layers, and a refusal leaves nothing behind. */
const loraConvert: FuzzTarget = {
  name: 'lora convert',
  typedErrors: [SafetensorsError, LoraError],
  async run(path, verdict) {
    const out = join(dirname(path), `converted-${basename(path)}`);
    try {
      // Every format can be written as kohya (dotted names become underscores), so one target format
      // keeps kohya inputs with unresolvable names in play.
      let layers: number;
      try {
        layers = (await convertLoraFile(path, out, { to: 'kohya' })).layers;
      } catch (error) {
        const left = await tempFilesBeside(out);
        return left.length ? { accepted: true, problem: `refusal left ${left.join(', ')}` } : { accepted: false, error };
      }
      if (!verdict.ok) return { accepted: true, problem: `accepted a file the validator refuses (${verdict.reason})` };
      const written = validateSafetensors(new Uint8Array(await (await import('node:fs/promises')).readFile(out)));
      if (!written.ok) return { accepted: true, problem: `wrote a file the validator refuses (${written.reason})` };
      const back = await openLoraFile(out);
      await back.close();
      return { accepted: true, problem: back.layers.length !== layers ? `converted ${layers} layers into ${back.layers.length}` : undefined };
    } finally {
      await rm(out, { force: true });
    }
  },
};

/** The model the LoRA seeds were made for: loadLora must apply all of a good file and nothing of a bad one. */
class SeedModel extends Module {
  transformer_blocks: ModuleList<Module>;
  constructor() {
    super();
    const g = new Generator(1);
    const attn = Object.assign(new Module(), { to_q: new Linear(6, 5, { generator: g }), to_k: new Linear(6, 4, { generator: g }) });
    const block = Object.assign(new Module(), { attn, conv: new Conv2d(3, 4, 3, { generator: g }) });
    this.transformer_blocks = new ModuleList([block]);
  }
}

async function modelSnapshot(model: Module): Promise<string> {
  const parts = model.namedModules().map(([n, m]) => `${n}:${m.constructor.name}`);
  for (const [name, p] of model.namedParameters()) parts.push(`${name}=${Array.from((await p.data()) as Float32Array).join(',')}`);
  return parts.join('|');
}

/** One model reused while loads fail (the common case); a fresh one after each successful load. */
let seedModel: { model: SeedModel; snapshot: string } | undefined;

const loadLoraTarget: FuzzTarget = {
  name: 'loadLora',
  typedErrors: [SafetensorsError, LoraError],
  async run(path, verdict) {
    if (!seedModel) {
      const model = new SeedModel();
      seedModel = { model, snapshot: await modelSnapshot(model) };
    }
    const { model, snapshot } = seedModel;
    try {
      await loadLora(model, path);
    } catch (error) {
      if ((await modelSnapshot(model)) === snapshot) return { accepted: false, error };
      seedModel = undefined;
      return { accepted: true, problem: 'a failed load changed the model' };
    }
    seedModel = undefined;
    if (!verdict.ok) return { accepted: true, problem: `accepted a file the validator refuses (${verdict.reason})` };
    return { accepted: true };
  },
};

const FLOAT_DTYPES = new Set(['F32', 'F16', 'BF16', 'F64']);

/** Invariants of an accepted i2L layout, checked against the validator's tensor list and the seeds' table. */
function i2lProblem(layout: I2lLayout, verdict: SpecVerdict): string | undefined {
  if (!verdict.ok) return `accepted a file the validator refuses (${verdict.reason})`;
  const c = layout.config;
  const dims = { embeddingDim: c.embeddingDim, compressDim: c.compressDim, rank: c.rank, ...(c.residual ? { residualLength: c.residual.length, residualMid: c.residual.midDim, residualWidth: c.residualWidth } : {}) };
  for (const [what, v] of Object.entries(dims)) if (!Number.isSafeInteger(v) || v < 1) return `inferred ${what} ${v}`;
  const t = layout.table;
  if (t.blocks < 1 || t.blocks > I2L_SEED_TABLE.blocks || JSON.stringify(t.groups) !== JSON.stringify(I2L_SEED_TABLE.groups)) return 'inferred a table other than the first blocks of the given one';
  const specs = i2lStateSpecs(c, t);
  if (specs.length !== verdict.tensors.size) return `layout has ${specs.length} tensors, the file ${verdict.tensors.size}`;
  for (const s of specs) {
    const v = verdict.tensors.get(s.key);
    if (!v) return `layout tensor "${s.key}" is not in the file`;
    if (!sameList(v.shape, s.shape)) return `"${s.key}" is [${v.shape}] in the file, [${s.shape}] in the layout`;
    if (!FLOAT_DTYPES.has(v.dtype)) return `"${s.key}" has dtype ${v.dtype}`;
  }
  return undefined;
}

/** Opens an i2L model against the seeds' table and decodes one embedding through every generator block. */
const i2lReader: FuzzTarget = {
  name: 'i2L model reader',
  typedErrors: [SafetensorsError, I2lError],
  async run(path, verdict) {
    let file: I2lFile;
    try {
      file = await I2lFile.open(path, I2L_SEED_TABLE);
    } catch (error) {
      return { accepted: false, error };
    }
    try {
      // Check before decoding: a bad layout could size the embedding from an unbounded dimension.
      const problem = i2lProblem(file.layout, verdict);
      if (problem) return { accepted: true, problem };
      const c = file.layout.config;
      const g = new Generator(5);
      const embedding = { imageEmbedding: g.normal(c.embeddingDim), ...(c.residual ? { residual: { tokens: c.residual.length, width: c.residualWidth, data: g.normal(c.residual.length * c.residualWidth) } } : {}) };
      const inputs = file.prepare([{ source: 'fuzz embedding', embedding }]);
      try {
        for (let k = 0; k < file.blockCount; k++) {
          for (const m of await file.decodeBlock(k, inputs)) {
            if (m.down[0].length !== c.rank * m.target.inFeatures || m.up[0].length !== c.rank * m.target.outFeatures) {
              return { accepted: true, problem: `block ${k} "${m.module}" decoded to ${m.down[0].length} + ${m.up[0].length} values` };
            }
          }
        }
      } finally {
        disposeInputs(inputs);
      }
      return { accepted: true };
    } catch (error) {
      return { accepted: false, error };
    } finally {
      await file.close();
    }
  },
};

/**
 * The readers under fuzz. A new file reader plugs in with one entry: a name, its typed error
 * classes and a `run` that reads the file and reports what it accepted.
 */
export const FUZZ_TARGETS: readonly FuzzTarget[] = [tensorReader, loraReader, loraInspect, loraConvert, loadLoraTarget, i2lReader];
