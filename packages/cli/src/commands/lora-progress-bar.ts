import type { LoraProgress } from '@loraflow/lora-adapters';
import { progressDisplay } from './progress-display.js';

/** A layer progress callback that drives a stderr progress bar (TTY only, off with --quiet/--json). */
export function layerProgressBar(label: string, enabled: boolean): { onProgress: (p: LoraProgress) => void; stop: () => void } {
  const display = progressDisplay(label, enabled);
  let started = false;
  return {
    onProgress(p) {
      if (!started) {
        display.start(p.total);
        started = true;
      }
      display.tick(p.module);
    },
    stop() {
      if (started) display.stop();
    },
  };
}
