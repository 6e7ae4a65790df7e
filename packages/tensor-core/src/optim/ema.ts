import { noGrad } from '../autograd/grad-mode.js';
import { cast } from '../ops/cast.js';
import { keep, tidy } from '../scope.js';
import type { Tensor } from '../tensor.js';
import type { Parameter } from '../nn/parameter.js';

/** An exponential moving average of parameters: shadow = decay * shadow + (1 - decay) * p, kept in f32. */
export class EMA {
  private readonly shadows: Tensor[];
  private updates = 0;

  constructor(readonly params: readonly Parameter[], readonly decay = 0.99) {
    this.shadows = params.map((p) => keep(noGrad(() => cast(p, 'f32'))));
  }

  /** Number of updates applied. */
  get steps(): number {
    return this.updates;
  }

  /** Folds the current parameter values into the average. */
  update(): void {
    this.updates++;
    noGrad(() =>
      tidy(() => {
        this.params.forEach((p, i) => {
          const s = this.shadows[i];
          s.assign(s.mul(this.decay).add(p.mul(1 - this.decay)));
        });
      }),
    );
  }

  /** The averaged tensors, in parameter order (shared, not copied). */
  averages(): readonly Tensor[] {
    return this.shadows;
  }

  /** Writes the averages into the parameters (e.g. before sampling or saving). */
  copyTo(): void {
    noGrad(() => this.params.forEach((p, i) => p.assign(cast(this.shadows[i], p.dtype))));
  }

  /** Frees the shadow tensors. */
  dispose(): void {
    for (const s of this.shadows) s.dispose();
  }
}
