const BARS = '▁▂▃▄▅▆▇█';

/** A one-line chart of values on a log scale (losses span decades). */
export function sparkline(values: readonly number[], width = 60): string {
  const step = Math.max(1, Math.floor(values.length / width));
  const picked = values.filter((_, i) => i % step === 0).map((v) => Math.log10(Math.max(v, 1e-12)));
  const lo = Math.min(...picked);
  const hi = Math.max(...picked);
  return picked.map((v) => BARS[Math.round(((v - lo) / Math.max(hi - lo, 1e-12)) * (BARS.length - 1))]).join('');
}
