import { openLoraFile, type OpenLoraOptions } from './lora-file-reader.js';
import { LORA_FORMAT_NAMES, type LoraFormat } from './lora-format.js';
import type { LoraKind } from '../lora-layer.js';

/** One layer's line in an inspection. */
export interface LoraModuleSummary {
  readonly module: string;
  readonly resolved: boolean;
  readonly kind: LoraKind;
  readonly kernel: readonly [number, number];
  readonly rank: number;
  readonly alpha: number;
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly dtype: string;
  readonly parameters: number;
}

/** What `loraflow lora inspect` reports about a file. */
export interface LoraFileSummary {
  readonly file: string;
  readonly format: LoraFormat;
  readonly formatName: string;
  readonly layers: number;
  readonly linearLayers: number;
  readonly convLayers: number;
  /** rank -> number of layers. */
  readonly ranks: Record<string, number>;
  /** alpha -> number of layers (rank itself where the format stores none). */
  readonly alphas: Record<string, number>;
  /** dtype -> number of factor tensors. */
  readonly dtypes: Record<string, number>;
  readonly parameters: number;
  /** Bytes of tensor data. */
  readonly tensorBytes: number;
  /** kohya names no module list resolved. */
  readonly unresolved: number;
  readonly metadata: Readonly<Record<string, string>>;
  /** Modules with the first numeric path part folded to `{i}` (`transformer_blocks.{i}.attn.to_q`), with counts, in first-seen order. */
  readonly moduleGroups: readonly { readonly pattern: string; readonly count: number }[];
  readonly modules: readonly LoraModuleSummary[];
}

/** Groups module paths by replacing the first numeric part (the block index) with `{i}`. */
export function moduleGroups(modules: readonly string[]): { pattern: string; count: number }[] {
  const groups = new Map<string, number>();
  for (const m of modules) {
    const pattern = m.includes('.') ? m.replace(/(^|\.)\d+(?=\.|$)/, '$1{i}') : m.replace(/_\d+(?=_|$)/, '_{i}');
    groups.set(pattern, (groups.get(pattern) ?? 0) + 1);
  }
  return [...groups].map(([pattern, count]) => ({ pattern, count }));
}

const count = (m: Record<string, number>, k: string | number) => {
  m[String(k)] = (m[String(k)] ?? 0) + 1;
};

/** Summarises a LoRA file from its header (and alpha scalars) without reading the factors. */
export async function inspectLoraFile(path: string | Uint8Array, opts: OpenLoraOptions = {}): Promise<LoraFileSummary> {
  const reader = await openLoraFile(path, opts);
  try {
    const ranks: Record<string, number> = {};
    const alphas: Record<string, number> = {};
    const dtypes: Record<string, number> = {};
    const modules = reader.layers.map((l): LoraModuleSummary => {
      count(ranks, l.rank);
      count(alphas, l.alpha);
      for (const t of [l.down, l.up, l.upBias]) if (t) count(dtypes, t.dtype);
      const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
      const parameters = size(l.down.shape) + size(l.up.shape) + (l.upBias ? size(l.upBias.shape) : 0);
      return { module: l.module, resolved: l.resolved, kind: l.kind, kernel: l.kernel, rank: l.rank, alpha: l.alpha, inFeatures: l.inFeatures, outFeatures: l.outFeatures, dtype: l.down.dtype, parameters };
    });
    return {
      file: reader.name,
      format: reader.format,
      formatName: LORA_FORMAT_NAMES[reader.format],
      layers: modules.length,
      linearLayers: modules.filter((m) => m.kind === 'linear').length,
      convLayers: modules.filter((m) => m.kind === 'conv').length,
      ranks,
      alphas,
      dtypes,
      parameters: modules.reduce((n, m) => n + m.parameters, 0),
      tensorBytes: reader.byteSize,
      unresolved: modules.filter((m) => !m.resolved).length,
      metadata: reader.metadata,
      moduleGroups: moduleGroups(modules.map((m) => m.module)),
      modules,
    };
  } finally {
    await reader.close();
  }
}
