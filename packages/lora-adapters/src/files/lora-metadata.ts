import type { LoraFormat } from './lora-format.js';

/** Ranks and alphas of the layers written, for kohya's `ss_network_dim` / `ss_network_alpha`. */
export interface WrittenLayerStats {
  ranks: Set<number>;
  alphas: Set<number>;
}

/**
 * Output metadata: the input's strings carried over, stale content hashes (and, for formats without
 * alpha, kohya's dim/alpha) dropped, and for kohya
 * the network dim/alpha recomputed ("Dynamic" when layers differ, as kohya's resize script writes)
 * plus `sshs_model_hash` (sha256 of the bytes after the header).
 */
export function outputMetadata(format: LoraFormat, carried: Readonly<Record<string, string>>, stats: WrittenLayerStats, dataSha256: string): Record<string, string> {
  const out: Record<string, string> = {};
  // ss_network_dim/alpha describe kohya storage; formats that fold alpha would make them misleading.
  const stale = (k: string) => k.startsWith('sshs_') || (format !== 'kohya' && (k === 'ss_network_dim' || k === 'ss_network_alpha'));
  for (const [k, v] of Object.entries(carried)) if (!stale(k)) out[k] = v;
  if (format !== 'kohya') return out;
  const one = (s: Set<number>) => (s.size === 1 ? String([...s][0]) : 'Dynamic');
  out.ss_network_module ??= 'networks.lora';
  out.ss_network_dim = one(stats.ranks);
  out.ss_network_alpha = one(stats.alphas);
  out.sshs_model_hash = dataSha256;
  return out;
}
