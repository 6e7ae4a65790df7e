import type { SafetensorsDType } from '@loraflow/tensor-core';
import { I2L_PRESETS, type I2lConfig, type I2lVariant } from './i2l-config.js';
import { I2lError } from './i2l-error.js';
import { i2lStateSpecs } from './i2l-state-specs.js';
import { QWEN_IMAGE_I2L_TARGETS, firstBlocks, type I2lTargetTable } from './target-table.js';

/** A tensor as a file header describes it. */
export interface I2lHeaderEntry {
  readonly dtype: SafetensorsDType;
  readonly shape: readonly number[];
}

/** What an i2L file holds, inferred from its keys and shapes against a target table. */
export interface I2lLayout {
  /** The released variant whose sizes it has (with the Qwen-Image table), else 'custom'. */
  readonly variant: I2lVariant | 'custom';
  readonly config: I2lConfig;
  /** The table restricted to the file's blocks (block b of the file adapts transformer_blocks.b). */
  readonly table: I2lTargetTable;
  /** Storage dtype of the weights (the first tensor's; all are checked to be float). */
  readonly dtype: SafetensorsDType;
}

const KEY = /^blocks\.(\d+)\.(?:layers\.(\d+)\.proj_[ab]|proj_residual)\.proj_(?:in|out)\.weight$/;
const FLOAT = new Set<SafetensorsDType>(['F32', 'F16', 'BF16', 'F64']);

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/** Same groups of targets (the block count may differ: test files hold the first blocks). */
const sameTargets = (a: I2lTargetTable, b: I2lTargetTable) =>
  a.groups.length === b.groups.length &&
  a.groups.every((g, i) => g.length === b.groups[i].length && g.every((t, j) => t.name === b.groups[i][j].name && t.inFeatures === b.groups[i][j].inFeatures && t.outFeatures === b.groups[i][j].outFeatures));

function variantOf(config: I2lConfig, table: I2lTargetTable): I2lVariant | 'custom' {
  if (!sameTargets(table, QWEN_IMAGE_I2L_TARGETS)) return 'custom';
  for (const [name, p] of Object.entries(I2L_PRESETS) as [I2lVariant, I2lConfig][]) {
    const same =
      p.embeddingDim === config.embeddingDim &&
      p.compressDim === config.compressDim &&
      p.rank === config.rank &&
      (p.residual === null ? config.residual === null : config.residual !== null && p.residual.length === config.residual.length && p.residual.midDim === config.residual.midDim && p.residualWidth === config.residualWidth);
    if (same) return name;
  }
  return 'custom';
}

/**
 * Infers an i2L file's config (compress dim, rank, embedding and residual sizes) and block count
 * from its header against a target table, then checks every key and shape; throws I2lError naming
 * the file, the key and the expected shape. The rank is proj_a.proj_out's rows over the first
 * target's input features. With the Qwen-Image table, the released variants are named.
 */
export function inferI2lLayout(file: string, entries: ReadonlyMap<string, I2lHeaderEntry>, table: I2lTargetTable): I2lLayout {
  if (entries.size === 0) throw new I2lError(`${file}: no tensors; expected an i2L model (blocks.{k}.layers.{j}.proj_a.proj_in.weight, ...)`);
  let maxK = -1;
  for (const [key, e] of entries) {
    const m = KEY.exec(key);
    if (!m) {
      const lora = /lora_(?:A|B|up|down)\b/.test(key);
      throw new I2lError(
        lora
          ? `${file}: "${key}" is a LoRA tensor: this is a LoRA file, not an i2L model (pass it as --bias, or give the Style/Coarse/Fine model file)`
          : `${file}: unexpected key "${key}"; an i2L model holds only blocks.{k}.layers.{j}.proj_a|proj_b.proj_in|proj_out.weight and blocks.{k}.proj_residual.proj_in|proj_out.weight`,
      );
    }
    if (!FLOAT.has(e.dtype)) throw new I2lError(`${file}: "${key}" has dtype ${e.dtype}, expected F32, BF16, F16 or F64`);
    maxK = Math.max(maxK, Number(m[1]));
  }
  const groups = table.groups.length;
  const count = maxK + 1;
  if (count % groups !== 0 || count / groups > table.blocks) {
    throw new I2lError(
      `${file}: highest generator block is blocks.${maxK}, so ${count} blocks; expected a multiple of the ${groups} target groups with at most ${table.blocks} transformer blocks (${groups * table.blocks} blocks)`,
    );
  }
  const blocks = count / groups;
  const need = (key: string, what: string): readonly number[] => {
    const e = entries.get(key);
    if (!e) throw new I2lError(`${file}: missing "${key}" (${what})`);
    if (e.shape.length !== 2) throw new I2lError(`${file}: "${key}" has shape [${e.shape}], expected 2 dimensions (${what})`);
    // A zero-sized generator (a valid safetensors shape) would make every LoRA it generates empty.
    if (e.shape.some((d) => d < 1)) throw new I2lError(`${file}: "${key}" has shape [${e.shape}], expected every dimension >= 1 (${what})`);
    return e.shape;
  };
  const [compressDim, embeddingDim] = need('blocks.0.layers.0.proj_a.proj_in.weight', '[compress, embedding]');
  const first = table.groups[0][0];
  const [rowsA] = need('blocks.0.layers.0.proj_a.proj_out.weight', `[rank * ${first.inFeatures}, compress]`);
  const rank = rowsA / first.inFeatures;
  if (!Number.isInteger(rank) || rank < 1) {
    throw new I2lError(`${file}: "blocks.0.layers.0.proj_a.proj_out.weight" has ${rowsA} rows, expected rank * ${first.inFeatures} (${first.name} has ${first.inFeatures} input features)`);
  }
  let residual: I2lConfig['residual'] = null;
  let residualWidth = I2L_PRESETS.coarse.residualWidth;
  if (entries.has('blocks.0.proj_residual.proj_in.weight')) {
    const [midDim, width] = need('blocks.0.proj_residual.proj_in.weight', '[mid, width]');
    const [, flat] = need('blocks.0.proj_residual.proj_out.weight', '[compress, length * mid]');
    if (flat % midDim !== 0) throw new I2lError(`${file}: "blocks.0.proj_residual.proj_out.weight" has ${flat} columns, expected a multiple of the residual mid dim ${midDim}`);
    residual = { length: flat / midDim, midDim };
    residualWidth = width;
  }
  const config: I2lConfig = { embeddingDim, compressDim, rank, residual, residualWidth, residualScale: I2L_PRESETS.coarse.residualScale };
  const fileTable = firstBlocks(table, blocks);
  const specs = i2lStateSpecs(config, fileTable);
  for (const s of specs) {
    const e = entries.get(s.key);
    if (!e) throw new I2lError(`${file}: missing "${s.key}", expected shape [${s.shape}]`);
    if (!sameShape(e.shape, s.shape)) throw new I2lError(`${file}: "${s.key}" has shape [${e.shape}], expected [${s.shape}]`);
  }
  if (specs.length !== entries.size) {
    const known = new Set(specs.map((s) => s.key));
    const extra = [...entries.keys()].find((k) => !known.has(k));
    const desc = `compress ${compressDim}, rank ${rank}, ${residual ? `residual ${residual.length}x${residualWidth} via ${residual.midDim}` : 'no residual'}, ${fileTable.groups.map((g) => g.length).join('/')} layers per group`;
    throw new I2lError(`${file}: unexpected "${extra}"; the layout inferred from blocks.0 (${desc}) has no such tensor`);
  }
  return { variant: variantOf(config, fileTable), config, table: fileTable, dtype: entries.values().next().value!.dtype };
}
