/** A learning-rate multiplier as a function of the (0-based) step. */
export type LrSchedule = (step: number) => number;

/** Always 1. */
export function constantSchedule(): LrSchedule {
  return () => 1;
}

/** Linear ramp from 0 to 1 over `warmupSteps`, then constant. */
export function linearWarmupSchedule(warmupSteps: number): LrSchedule {
  return (step) => (warmupSteps > 0 ? Math.min(1, (step + 1) / warmupSteps) : 1);
}

/** Linear warm-up, then cosine decay to `minRatio` at `totalSteps` (as diffusers' get_cosine_schedule_with_warmup). */
export function cosineSchedule(totalSteps: number, warmupSteps = 0, minRatio = 0): LrSchedule {
  return (step) => {
    if (step < warmupSteps) return (step + 1) / warmupSteps;
    const progress = Math.min(1, (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps));
    return minRatio + (1 - minRatio) * 0.5 * (1 + Math.cos(Math.PI * progress));
  };
}

/** Sets `optimizer.lr = baseLr * schedule(step)` (call once per step, before `optimizer.step()`). */
export function applySchedule(optimizer: { lr: number }, baseLr: number, schedule: LrSchedule, step: number): number {
  optimizer.lr = baseLr * schedule(step);
  return optimizer.lr;
}
