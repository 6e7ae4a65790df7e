/**
 * Gathers the summary rows of the JSON files benchmarks wrote into bench-results/ during one
 * `pnpm bench` run, and formats them as one table. Files carrying `summary` (see summary-row.ts)
 * are used as they are; older layouts (matmul `results[].sizes`, per-row timings, top-level
 * fused/unfused timings) are read by shape, with "ours" taken from the field or peer named so.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { SummaryFigure, SummaryRow } from './summary-row.js';

interface TimingLike {
  medianMs: number;
  cpuMedianMs?: number;
}

const isTiming = (v: unknown): v is TimingLike => typeof v === 'object' && v !== null && typeof (v as TimingLike).medianMs === 'number';
const fig = (label: string, t: TimingLike): SummaryFigure => ({ label, ms: t.medianMs, ...(t.cpuMedianMs !== undefined ? { cpuMs: t.cpuMedianMs } : {}) });
/** Ours among several timings: the threaded default build ("ours relaxed 2t", "oursN"), else any "ours...", else "fused". */
function oursFirst(names: string[]): string | undefined {
  const threaded = (n: string) => /^ours.*(\dt|N)$/.test(n) && !/plain|\b1t$|^ours1$/.test(n);
  return names.find(threaded) ?? names.find((n) => n.startsWith('ours')) ?? names.find((n) => n === 'fused');
}

/** Summary rows of one benchmark JSON document (empty when its layout is not recognised). */
export function rowsOf(doc: Record<string, unknown>): SummaryRow[] {
  const bench = String(doc.benchmark ?? 'unknown');
  if (Array.isArray(doc.summary)) return doc.summary as SummaryRow[];
  // Matmul layout: results[] of { peer, sizes: { n: Timing } }.
  if (Array.isArray(doc.results) && doc.results.every((r) => typeof r === 'object' && r && 'sizes' in r)) {
    const results = (doc.results as { peer: string; sizes: Record<string, TimingLike> }[]).filter((r) => Object.keys(r.sizes).length);
    const ours = results.find((r) => r.peer === oursFirst(results.map((x) => x.peer)));
    if (!ours) return [];
    return Object.keys(ours.sizes).map((n) => ({
      bench,
      case: `${n}`,
      ours: fig(ours.peer, ours.sizes[n]),
      peers: results.filter((r) => r !== ours && r.sizes[n]).map((r) => fig(r.peer, r.sizes[n])),
    }));
  }
  // Per-row layout: rows[] (or results[]) of { <scalars naming the case>, <name>: Timing }.
  const list = Array.isArray(doc.rows) ? doc.rows : Array.isArray(doc.results) ? doc.results : null;
  if (list) {
    return (list as Record<string, unknown>[]).flatMap((row) => {
      const timings = Object.keys(row).filter((k) => isTiming(row[k]));
      const oursKey = oursFirst(timings);
      if (!oursKey) return [];
      const kase = Object.keys(row).filter((k) => typeof row[k] === 'number' || typeof row[k] === 'string').filter((k) => !/diff|err/i.test(k)).map((k) => `${k} ${row[k]}`).join(' ');
      return [{ bench, case: kase, ours: fig(oursKey, row[oursKey] as TimingLike), peers: timings.filter((k) => k !== oursKey).map((k) => fig(k, row[k] as TimingLike)) }];
    });
  }
  // Top-level timings (e.g. { fused, unfused }).
  const top = Object.keys(doc).filter((k) => isTiming(doc[k]));
  const oursKey = oursFirst(top);
  if (!oursKey) return [];
  const kase = ['m', 'features', 'rank'].filter((k) => typeof doc[k] === 'number').map((k) => `${k} ${doc[k]}`).join(' ');
  return [{ bench, case: kase, ours: fig(oursKey, doc[oursKey] as TimingLike), peers: top.filter((k) => k !== oursKey).map((k) => fig(k, doc[k] as TimingLike)) }];
}

/** JSON files in `dir` modified at or after `sinceMs`, oldest first. */
export function filesSince(dir: string, sinceMs: number): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith('.json') && !n.startsWith('summary-'))
    .map((n) => join(dir, n))
    .filter((f) => statSync(f).mtimeMs >= sinceMs)
    .sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs);
}

/** Rows of every file, and the files whose layout gave none. */
export function gather(files: string[]): { rows: SummaryRow[]; unread: string[] } {
  const rows: SummaryRow[] = [];
  const unread: string[] = [];
  for (const f of files) {
    try {
      const r = rowsOf(JSON.parse(readFileSync(f, 'utf8')) as Record<string, unknown>);
      if (r.length) rows.push(...r);
      else unread.push(f);
    } catch {
      unread.push(f);
    }
  }
  return { rows, unread };
}

/** One Markdown line per (case, peer): ours and the peer in median ms, ratio = peer time / our time (>1: ours faster), wall and per CPU-second. */
export function formatSummary(rows: SummaryRow[]): string {
  const head = ['bench', 'case', 'ours', 'ours ms', 'peer', 'peer ms', 'ours/peer', 'per CPU-s'];
  const body: string[][] = [];
  for (const r of rows) {
    const peers = r.peers.length ? r.peers : [null];
    peers.forEach((p, i) => {
      const cpu = p?.cpuMs && r.ours.cpuMs ? `${(p.cpuMs / r.ours.cpuMs).toFixed(2)}x` : '-';
      body.push([
        i ? '' : r.bench,
        i ? '' : r.case,
        i ? '' : r.ours.label,
        i ? '' : r.ours.ms.toFixed(2),
        p?.label ?? '(no peer)',
        p ? p.ms.toFixed(2) : '-',
        p ? `${(p.ms / r.ours.ms).toFixed(2)}x` : '-',
        cpu,
      ]);
    });
  }
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i < 3 || i === 4 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (i < 3 || i === 4 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`)).join(' | ')} |`;
  return [line(head), rule, ...body.map(line)].join('\n');
}
