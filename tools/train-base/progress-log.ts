/** One-line progress output with rate and ETA, and the loss history that goes into the training log. */
export class ProgressLog {
  private readonly start = performance.now();
  private end: number | null = null;
  readonly losses: number[] = [];

  constructor(private readonly label: string, private readonly total: number, private readonly every = 10) {}

  /** Records a step's loss and prints a line every `every` steps (and at the end). */
  step(step: number, loss: number, extra = ''): void {
    this.losses.push(loss);
    if (step + 1 === this.total) this.end = performance.now();
    if ((step + 1) % this.every !== 0 && step + 1 !== this.total) return;
    const elapsed = (performance.now() - this.start) / 1000;
    const per = elapsed / (step + 1);
    const recent = this.losses.slice(-this.every);
    const mean = recent.reduce((a, b) => a + b, 0) / recent.length;
    const eta = per * (this.total - step - 1);
    console.log(`[${this.label}] step ${step + 1}/${this.total}  loss ${mean.toFixed(5)}  ${per.toFixed(2)} s/step  elapsed ${fmt(elapsed)}  eta ${fmt(eta)}${extra ? `  ${extra}` : ''}`);
  }

  /** Seconds from the log's creation to its last step (or to now while running). */
  get seconds(): number {
    return ((this.end ?? performance.now()) - this.start) / 1000;
  }

  /** Loss averaged over consecutive windows (a compact loss curve for the log). */
  curve(window: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.losses.length; i += window) {
      const w = this.losses.slice(i, i + window);
      out.push(Number((w.reduce((a, b) => a + b, 0) / w.length).toFixed(5)));
    }
    return out;
  }
}

function fmt(seconds: number): string {
  const m = Math.floor(seconds / 60);
  return `${m}m${String(Math.round(seconds - m * 60)).padStart(2, '0')}s`;
}
