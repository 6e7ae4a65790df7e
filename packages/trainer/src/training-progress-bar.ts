import cliProgress from 'cli-progress';
import { checkOptions, option } from '@loraflow/tensor-core';
import { TrainerError } from './trainer-error.js';
import type { TrainingEvent, TrainingProgress } from './training-progress.js';

/** A terminal progress bar for training: step, loss, smoothed loss, learning rate, rate and ETA. */
export interface TrainingProgressBar {
  onStep(p: TrainingProgress): void;
  onEvent(e: TrainingEvent): void;
  stop(): void;
}

function clock(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.max(0, Math.round(seconds));
  const m = Math.floor(s / 60);
  return `${m}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * Where the bar writes (default process.stderr). Structural rather than NodeJS.WriteStream so the
 * published types need no @types/node; only a stream with `isTTY` set gets the animated bar.
 */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/** Creates the bar (on stderr); events are printed above it. A non-TTY stream gets one line per `everyLines` steps. */
export function trainingProgressBar(options: { stream?: ProgressStream; label?: string; everyLines?: number } = {}): TrainingProgressBar {
  checkOptions('trainingProgressBar', options, { stream: option.object, label: option.string, everyLines: option.integer({ min: 1 }) }, (m) => new TrainerError(m));
  const stream = options.stream ?? process.stderr;
  const label = options.label ?? 'train';
  const tty = Boolean(stream.isTTY);
  const every = options.everyLines ?? 25;
  let bar: cliProgress.SingleBar | null = null;
  const payload = (p: TrainingProgress) => ({ loss: p.loss.toFixed(4), smooth: p.smoothLoss.toFixed(4), lr: p.lr.toExponential(1), elapsed: clock(p.elapsedSeconds), left: clock(p.etaSeconds) });
  return {
    onStep(p) {
      if (!tty) {
        if (p.step === 1 || p.step % every === 0 || p.step === p.steps) {
          stream.write(`${label} step ${p.step}/${p.steps} loss ${p.loss.toFixed(4)} (mean ${p.smoothLoss.toFixed(4)}) lr ${p.lr.toExponential(1)} elapsed ${clock(p.elapsedSeconds)} eta ${clock(p.etaSeconds)}\n`);
        }
        return;
      }
      if (!bar) {
        bar = new cliProgress.SingleBar({
          // Only reached when isTTY is set, i.e. for a terminal stream such as process.stderr.
          stream: stream as NodeJS.WriteStream,
          format: `${label} [{bar}] {value}/{total} | loss {loss} (mean {smooth}) | lr {lr} | {elapsed} elapsed, ETA {left}`,
          barsize: 24,
          hideCursor: true,
        }, cliProgress.Presets.shades_classic);
        bar.start(p.steps, p.step - 1, payload(p));
      }
      bar.update(p.step, payload(p));
    },
    onEvent(e) {
      if (bar) {
        stream.write('\r\x1b[2K');
      }
      stream.write(`${label}: ${e.message}\n`);
    },
    stop() {
      bar?.stop();
      bar = null;
    },
  };
}
