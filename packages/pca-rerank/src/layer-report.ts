/** What re-ranking did to one layer; norms and errors are of the effective delta `(alpha/rank) up @ down`. */
export interface LayerReport {
  readonly name: string;
  /** Shape of the 2-D view `[out, in * kh * kw]`. */
  readonly shape: readonly [number, number];
  readonly rankIn: number;
  readonly rankOut: number;
  /** The rank asked for when it exceeded the layer's possible rank `min(out, in * kh * kw)` and was capped to it; else null. */
  readonly rankCappedFrom: number | null;
  /** Non-zero components written; less than rankOut where the layer had fewer non-zero singular values (the rest is zero padding). */
  readonly keptRank: number;
  readonly alphaIn: number;
  readonly alphaOut: number;
  /** Non-zero singular values of the effective delta (of the centred delta for the `pca` split), descending. */
  readonly singularValues: readonly number[];
  /** `||delta||_F`. */
  readonly deltaNorm: number;
  /** `||delta - new delta||_F`, measured on the written float32 factors. */
  readonly errorNorm: number;
  /** `errorNorm / deltaNorm` (0 for an all-zero layer). */
  readonly relFroError: number;
  /** `1 - relFroError^2`: the share of the delta's energy the new delta explains (= kept sum S^2 / sum S^2 for the exact splits). */
  readonly energyRetained: number;
  /** Spectral norm of the discarded part, which bounds every entry's error (exact arithmetic; float32 factors add ~1e-7 relative). */
  readonly maxAbsErrorBound: number;
  /** Exact largest entry error, when `exactMaxAbsError` was asked for; otherwise null. */
  readonly maxAbsError: number | null;
}

/** The whole file's summary: sums over layers, errors combined in quadrature. */
export interface RerankTotals {
  readonly layers: number;
  readonly paramsIn: number;
  readonly paramsOut: number;
  readonly deltaNorm: number;
  readonly errorNorm: number;
  readonly relFroError: number;
  readonly energyRetained: number;
  readonly maxAbsErrorBound: number;
  readonly maxAbsError: number | null;
}

/** Sums layer reports into file totals. */
export function totalsOf(reports: readonly LayerReport[]): RerankTotals {
  let paramsIn = 0;
  let paramsOut = 0;
  let delta2 = 0;
  let error2 = 0;
  let bound = 0;
  let maxAbs: number | null = reports.length > 0 ? 0 : null;
  for (const r of reports) {
    paramsIn += r.rankIn * (r.shape[0] + r.shape[1]);
    paramsOut += r.rankOut * (r.shape[0] + r.shape[1]);
    delta2 += r.deltaNorm ** 2;
    error2 += r.errorNorm ** 2;
    bound = Math.max(bound, r.maxAbsErrorBound);
    maxAbs = r.maxAbsError === null || maxAbs === null ? null : Math.max(maxAbs, r.maxAbsError);
  }
  const rel = delta2 > 0 ? Math.sqrt(error2 / delta2) : 0;
  return {
    layers: reports.length,
    paramsIn,
    paramsOut,
    deltaNorm: Math.sqrt(delta2),
    errorNorm: Math.sqrt(error2),
    relFroError: rel,
    energyRetained: 1 - rel * rel,
    maxAbsErrorBound: bound,
    maxAbsError: maxAbs,
  };
}

/** A plain-text table of the layer reports with a total line and the parameter count, for terminals. */
export function formatReportTable(reports: readonly LayerReport[], totals: RerankTotals = totalsOf(reports)): string {
  const header = ['layer', 'shape', 'rank', 'kept', 'energy', 'rel.err', 'max.err'];
  const maxErr = (r: { maxAbsError: number | null; maxAbsErrorBound: number }): string =>
    r.maxAbsError === null ? `<=${r.maxAbsErrorBound.toExponential(2)}` : r.maxAbsError.toExponential(2);
  const rows = reports.map((r) => [
    r.name,
    `${r.shape[0]}x${r.shape[1]}`,
    `${r.rankIn}->${r.rankOut}`,
    String(r.keptRank),
    `${(100 * r.energyRetained).toFixed(3)}%`,
    r.relFroError.toExponential(2),
    maxErr(r),
  ]);
  rows.push([
    `total (${totals.layers} layers)`,
    '',
    '',
    '',
    `${(100 * totals.energyRetained).toFixed(3)}%`,
    totals.relFroError.toExponential(2),
    maxErr(totals),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
  const line = (cells: string[]): string => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  const share = totals.paramsIn > 0 ? ` (${((100 * totals.paramsOut) / totals.paramsIn).toFixed(1)}%)` : '';
  const rule = line(widths.map((w) => '-'.repeat(w)));
  return [line(header), rule, ...rows.slice(0, -1).map(line), rule, line(rows[rows.length - 1]), `parameters ${totals.paramsIn} -> ${totals.paramsOut}${share}`].join('\n');
}
