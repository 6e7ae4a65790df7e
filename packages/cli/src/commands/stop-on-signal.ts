/** What a first Ctrl-C (SIGINT) or SIGTERM does: ask the work to stop cleanly; a second one exits at once. */
export interface SignalStop {
  /** Aborted on the first signal. */
  readonly signal: AbortSignal;
  /** The signal that stopped the work, if any. */
  readonly received: NodeJS.Signals | null;
  /** Removes the handlers. */
  dispose(): void;
}

const EXIT_CODES: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 };

/** Installs SIGINT / SIGTERM handlers: the first aborts `signal` and prints `notice`; the second exits with 128 + signo. */
export function stopOnSignal(notice: string, stream: NodeJS.WritableStream = process.stderr): SignalStop {
  const controller = new AbortController();
  let received: NodeJS.Signals | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    if (received) {
      stream.write(`\nloraflow: ${sig} again, exiting now\n`);
      process.exit(EXIT_CODES[sig] ?? 1);
    }
    received = sig;
    stream.write(`\nloraflow: ${sig}: ${notice} (press Ctrl-C again to exit now)\n`);
    controller.abort(new Error(`stopped by ${sig}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    get received() {
      return received;
    },
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** The exit code after a signal stopped the work cleanly (130 for SIGINT, 143 for SIGTERM). */
export function signalExitCode(sig: NodeJS.Signals): number {
  return EXIT_CODES[sig] ?? 1;
}
