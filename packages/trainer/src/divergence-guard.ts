const WINDOW = 20;

/**
 * Watches the loss for NaN / infinity and for a run-away: the mean of the last 20 losses above `factor` times the
 * best such mean seen so far (checked once 2 windows have passed, so the noisy start never trips it).
 */
export class DivergenceGuard {
  private readonly recent: number[] = [];
  private best = Infinity;
  private seen = 0;
  private lastFinite: number | null = null;

  constructor(readonly factor: number) {}

  /** A reason to stop, or null when the step may be applied. */
  check(loss: number, gradNorm: number): string | null {
    if (!Number.isFinite(loss)) return `loss is ${loss}${this.lastFinite !== null ? ` (previous step ${this.lastFinite.toPrecision(4)})` : ''}`;
    if (!Number.isFinite(gradNorm)) return `gradient norm is ${gradNorm} at loss ${loss.toPrecision(4)}`;
    if (this.seen >= 2 * WINDOW && this.recent.length === WINDOW) {
      const mean = (this.recent.slice(1).reduce((a, b) => a + b, 0) + loss) / WINDOW;
      if (mean > this.factor * this.best) return `the ${WINDOW}-step mean loss ${mean.toPrecision(4)} exceeds ${this.factor} x its best ${this.best.toPrecision(4)}`;
    }
    return null;
  }

  /** Records an applied step's loss. */
  observe(loss: number): void {
    this.seen++;
    this.lastFinite = loss;
    this.recent.push(loss);
    if (this.recent.length > WINDOW) this.recent.shift();
    if (this.recent.length === WINDOW) this.best = Math.min(this.best, this.recent.reduce((a, b) => a + b, 0) / WINDOW);
  }
}
