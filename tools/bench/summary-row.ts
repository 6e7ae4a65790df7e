/**
 * One line of the `pnpm bench` summary: a benchmark case timed for ours and each peer in the same
 * run. Benchmarks put an array of these under `summary` in their JSON; run-all.ts gathers them.
 */
export interface SummaryRow {
  bench: string;
  case: string;
  ours: SummaryFigure;
  peers: SummaryFigure[];
}

/** Median wall milliseconds of one implementation (and CPU milliseconds of its process when measured). */
export interface SummaryFigure {
  label: string;
  ms: number;
  cpuMs?: number;
}

/** A figure from a Timing-like object, or null when it was not measured. */
export function figure(label: string, t: { medianMs: number; cpuMedianMs?: number } | null | undefined): SummaryFigure | null {
  return t ? { label, ms: t.medianMs, ...(t.cpuMedianMs !== undefined ? { cpuMs: t.cpuMedianMs } : {}) } : null;
}

/** A summary row, dropping peers that were not measured; null when ours was not. */
export function summaryRow(bench: string, kase: string, ours: SummaryFigure | null, peers: (SummaryFigure | null)[]): SummaryRow | null {
  return ours ? { bench, case: kase, ours, peers: peers.filter((p): p is SummaryFigure => p !== null) } : null;
}
