import { QWEN_IMAGE_BLOCK_LINEARS, adaptableModules } from '@loraflow/lora-adapters';
import type { Module } from '@loraflow/tensor-core';
import { I2lError } from './i2l-error.js';

/** One module an i2L generates a LoRA for, relative to `transformer_blocks.{b}`, with its features. */
export interface I2lTarget {
  readonly name: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
}

/**
 * What an i2L model generates LoRAs for: `blocks` transformer blocks, each with the same groups of
 * target modules. Generator block k = g * blocks + b serves group g of transformer block b
 * (DiffSynth's group-major order).
 */
export interface I2lTargetTable {
  readonly blocks: number;
  readonly groups: readonly (readonly I2lTarget[])[];
}

/** The 12 target names of Qwen-Image-i2L per transformer block, in DiffSynth's 4 groups and layer order. */
export const I2L_TARGET_GROUPS: readonly (readonly string[])[] = [
  ['attn.to_q', 'attn.to_k', 'attn.to_v', 'attn.to_out.0'],
  ['img_mlp.net.2', 'img_mod.1'],
  ['attn.add_q_proj', 'attn.add_k_proj', 'attn.add_v_proj', 'attn.to_add_out'],
  ['txt_mlp.net.2', 'txt_mod.1'],
];

/** The dotted module path of a target in transformer block `block` (DiffSynth's output naming). */
export function targetModulePath(block: number, name: string): string {
  return `transformer_blocks.${block}.${name}`;
}

/** Every target module path of a table, in generator order (group-major, then block, then layer). */
export function targetModulePaths(table: I2lTargetTable): string[] {
  return table.groups.flatMap((group) => Array.from({ length: table.blocks }, (_, b) => group.map((t) => targetModulePath(b, t.name))).flat());
}

/** Features of one module: from a model's Linear weights `[out, in]` or a checkpoint header. */
export interface TargetModuleShape {
  readonly module: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
}

/**
 * The i2L target table of a model given its linears' shapes (dotted paths
 * `transformer_blocks.{b}.<name>`): the 12 Qwen-Image-i2L names in DiffSynth's groups, every block
 * that has them. Serves Qwen-Image and flow-dit models alike; throws naming the module that is
 * missing or whose shape differs from block 0's.
 */
export function targetTableFromShapes(shapes: Iterable<TargetModuleShape>, where = 'model'): I2lTargetTable {
  const byPath = new Map<string, TargetModuleShape>();
  let blocks = 0;
  for (const s of shapes) {
    byPath.set(s.module, s);
    const m = /^transformer_blocks\.(\d+)\./.exec(s.module);
    if (m) blocks = Math.max(blocks, Number(m[1]) + 1);
  }
  if (blocks === 0) throw new I2lError(`${where}: no linear under "transformer_blocks.{b}." found; an i2L target table needs the 12 Qwen-Image-i2L modules per block`);
  const groups = I2L_TARGET_GROUPS.map((names) =>
    names.map((name) => {
      const first = byPath.get(targetModulePath(0, name));
      if (!first) throw new I2lError(`${where}: no linear "${targetModulePath(0, name)}"; an i2L target table needs ${I2L_TARGET_GROUPS.flat().join(', ')} in every block`);
      for (let b = 1; b < blocks; b++) {
        const s = byPath.get(targetModulePath(b, name));
        if (!s) throw new I2lError(`${where}: no linear "${targetModulePath(b, name)}" (block 0 has it)`);
        if (s.inFeatures !== first.inFeatures || s.outFeatures !== first.outFeatures) {
          throw new I2lError(`${where}: "${s.module}" is ${s.inFeatures}->${s.outFeatures}, expected ${first.inFeatures}->${first.outFeatures} as in block 0`);
        }
      }
      return { name, inFeatures: first.inFeatures, outFeatures: first.outFeatures };
    }),
  );
  return { blocks, groups };
}

/** The i2L target table of a model's module tree (its Linear or LoRA-wrapped linear layers; weights `[out, in]`). */
export function targetTableFromModel(model: Module): I2lTargetTable {
  const shapes = adaptableModules(model)
    .filter(([, m]) => m.weight.ndim === 2)
    .map(([module, m]) => ({ module, outFeatures: m.weight.shape[0], inFeatures: m.weight.shape[1] }));
  return targetTableFromShapes(shapes);
}

/** Qwen-Image's i2L target table: 60 blocks x 12 modules (diffusers / DiffSynth names and shapes). */
export const QWEN_IMAGE_I2L_TARGETS: I2lTargetTable = targetTableFromShapes(
  Array.from({ length: 60 }, (_, b) => QWEN_IMAGE_BLOCK_LINEARS.map(([name, inFeatures, outFeatures]) => ({ module: targetModulePath(b, name), inFeatures, outFeatures }))).flat(),
  'Qwen-Image',
);

/** The first `blocks` transformer blocks of a table (a file with fewer blocks maps its block b to transformer_blocks.b). */
export function firstBlocks(table: I2lTargetTable, blocks: number): I2lTargetTable {
  if (!Number.isInteger(blocks) || blocks < 1 || blocks > table.blocks) throw new I2lError(`target table has ${table.blocks} blocks, cannot take ${blocks}`);
  return { blocks, groups: table.groups };
}

/**
 * A target table from JSON: `{"blocks": B, "groups": [[{"name", "in", "out"}, ...], ...]}` (what
 * tools/golden/i2l-golden.py writes for its reduced model).
 */
export function parseTargetTable(json: unknown, where = 'target table'): I2lTargetTable {
  const o = json as { blocks?: unknown; groups?: unknown };
  if (!o || typeof o !== 'object' || !Number.isInteger(o.blocks) || (o.blocks as number) < 1 || !Array.isArray(o.groups) || o.groups.length === 0) {
    throw new I2lError(`${where}: expected {"blocks": N >= 1, "groups": [[{"name", "in", "out"}, ...], ...]}`);
  }
  const groups = o.groups.map((g: unknown, gi: number) => {
    if (!Array.isArray(g) || g.length === 0) throw new I2lError(`${where}: group ${gi} must be a non-empty array of {"name", "in", "out"}`);
    return g.map((t: { name?: unknown; in?: unknown; out?: unknown }, ti: number) => {
      const ok = t && typeof t.name === 'string' && Number.isInteger(t.in) && (t.in as number) > 0 && Number.isInteger(t.out) && (t.out as number) > 0;
      if (!ok) throw new I2lError(`${where}: group ${gi} target ${ti} is ${JSON.stringify(t)}, expected {"name": string, "in": int > 0, "out": int > 0}`);
      return { name: t.name as string, inFeatures: t.in as number, outFeatures: t.out as number };
    });
  });
  return { blocks: o.blocks as number, groups };
}
