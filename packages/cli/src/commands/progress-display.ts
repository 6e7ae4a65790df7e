import cliProgress from 'cli-progress';

/** A progress display for long loops: a bar with rate and ETA on a terminal, nothing when output is piped. */
export interface ProgressDisplay {
  start(total: number): void;
  tick(status: string): void;
  stop(): void;
}

/** A progress bar on stderr (only when stderr is a TTY and `enabled`), with items/s and ETA. */
export function progressDisplay(label: string, enabled: boolean): ProgressDisplay {
  if (!enabled || !process.stderr.isTTY) return { start() {}, tick() {}, stop() {} };
  const bar = new cliProgress.SingleBar({
    format: `${label} {bar} {value}/{total} | {rate}/s | ETA {eta_formatted} | {status}`,
    stream: process.stderr,
    hideCursor: true,
    etaBuffer: 20,
  }, cliProgress.Presets.shades_classic);
  let started = 0, value = 0;
  return {
    start(total) {
      started = performance.now();
      bar.start(total, 0, { rate: '0.0', status: '' });
    },
    tick(status) {
      value++;
      const rate = value / Math.max(1e-3, (performance.now() - started) / 1000);
      bar.update(value, { rate: rate.toFixed(1), status: status.slice(0, 40) });
    },
    stop() {
      bar.stop();
    },
  };
}
