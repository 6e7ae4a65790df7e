import type { I2lConfig } from './i2l-config.js';
import type { I2lTargetTable } from './target-table.js';

/** One tensor of an i2L state dict: DiffSynth's key and its shape. */
export interface I2lTensorSpec {
  readonly key: string;
  readonly shape: readonly number[];
}

/** The keys and shapes of one generator block k (group g, transformer block b = k - g * blocks). */
export function i2lBlockSpecs(config: I2lConfig, table: I2lTargetTable, k: number): I2lTensorSpec[] {
  const g = Math.floor(k / table.blocks);
  const c = config.compressDim;
  const out: I2lTensorSpec[] = [];
  table.groups[g].forEach((t, j) => {
    const p = `blocks.${k}.layers.${j}`;
    out.push({ key: `${p}.proj_a.proj_in.weight`, shape: [c, config.embeddingDim] });
    out.push({ key: `${p}.proj_a.proj_out.weight`, shape: [config.rank * t.inFeatures, c] });
    out.push({ key: `${p}.proj_b.proj_in.weight`, shape: [c, config.embeddingDim] });
    out.push({ key: `${p}.proj_b.proj_out.weight`, shape: [config.rank * t.outFeatures, c] });
  });
  if (config.residual) {
    out.push({ key: `blocks.${k}.proj_residual.proj_in.weight`, shape: [config.residual.midDim, config.residualWidth] });
    out.push({ key: `blocks.${k}.proj_residual.proj_out.weight`, shape: [c, config.residual.length * config.residual.midDim] });
  }
  return out;
}

/** Number of generator blocks: one per (group, transformer block). */
export function i2lBlockCount(table: I2lTargetTable): number {
  return table.groups.length * table.blocks;
}

/** Every key and shape of an i2L model for a config and target table, without allocating weights. */
export function i2lStateSpecs(config: I2lConfig, table: I2lTargetTable): I2lTensorSpec[] {
  return Array.from({ length: i2lBlockCount(table) }, (_, k) => i2lBlockSpecs(config, table, k)).flat();
}
