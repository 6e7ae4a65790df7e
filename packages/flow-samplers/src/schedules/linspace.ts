/** n evenly spaced values from start to stop inclusive, computed like numpy.linspace (start + i*step, last value exact). */
export function linspace(start: number, stop: number, n: number): number[] {
  if (n === 1) return [start];
  const step = (stop - start) / (n - 1);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = start + i * step;
  if (n > 0) out[n - 1] = stop;
  return out;
}
