/** Wall-clock figures of one benchmark case. */
export interface Timing {
  medianMs: number;
  minMs: number;
  runs: number;
  /**
   * Median CPU time per run of the whole process (all its threads, spinning included). Other
   * processes taking the cores away stretch wall time but not this, so work / CPU time is the
   * steadier figure on a shared machine.
   */
  cpuMedianMs?: number;
}

/** How long to measure: warm-up calls, then at least `minRuns` and until `minTimeMs` has passed (capped at `maxRuns`). */
export interface MeasureOptions {
  warmup: number;
  minRuns: number;
  maxRuns: number;
  minTimeMs: number;
}

const DEFAULTS: MeasureOptions = { warmup: 3, minRuns: 5, maxRuns: 40, minTimeMs: 1500 };

/** Median and minimum of repeated calls after warm-up; `fn` may be sync or async. */
export async function measure(fn: () => unknown, opts: Partial<MeasureOptions> = {}): Promise<Timing> {
  const o = { ...DEFAULTS, ...opts };
  for (let i = 0; i < o.warmup; i++) await fn();
  const times: number[] = [];
  const cpu: number[] = [];
  const start = performance.now();
  while (times.length < o.minRuns || (performance.now() - start < o.minTimeMs && times.length < o.maxRuns)) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { medianMs: median(times), minMs: Math.min(...times), runs: times.length, cpuMedianMs: median(cpu) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** n uniform values in [0, 1) from a seeded xorshift32 stream (the seed 0 acts as 1). */
export function xorshiftUnits(n: number, seed: number): Float64Array {
  let s = seed >>> 0 || 1;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = (s >>> 0) / 2 ** 32;
  }
  return out;
}

/** Seeded values in [-1, 1), so peers multiply identical inputs. */
export function benchInput(n: number, seed: number): Float32Array {
  return Float32Array.from(xorshiftUnits(n, seed), (u) => 2 * u - 1);
}

/** Result line a peer process prints on stdout: JSON after this prefix. */
export const RESULT_PREFIX = 'BENCH_RESULT ';

/** One peer's timings per matrix size, as printed by a peer process. */
export interface PeerResult {
  peer: string;
  note?: string;
  sizes: Record<string, Timing>;
}

/** Prints a peer's result for the parent process to collect. */
export function emit(result: PeerResult): void {
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
}

/** Matrix sizes from `--sizes 256,512` (default 256..2048). */
export function sizesFromArgs(argv: readonly string[]): number[] {
  const i = argv.indexOf('--sizes');
  const list = i >= 0 ? argv[i + 1] : '256,512,1024,2048';
  return list.split(',').map(Number);
}

/** The number after `--name` on the command line, or `fallback`. */
export function numberArg(argv: readonly string[], name: string, fallback: number): number {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
}
