import { DatasetError } from '../dataset-error.js';

/** A horizontal third of the image, as captions say it ("on the left", "in the centre", "on the right"). */
export type ScenePlacement = 'left' | 'centre' | 'right';

/**
 * Opt-in overrides of what a theme would otherwise pick at random. Every theme draws the same random numbers with or
 * without them, so an omitted control leaves the scene byte-identical and a set control changes only its attribute
 * (and what is drawn after it, where the attribute changes how much is drawn).
 */
export interface SceneControls {
  /** Where the sun or moon goes (themes with one). */
  celestial?: ScenePlacement;
  /** Day or night (themes that have both: snowy-mountains). */
  time?: 'day' | 'night';
  /** How many of the theme's counted trees (volcanic charred trees, forest front trees, snowy pines, cherry trees). */
  trees?: number;
  /** Whether the theme's optional structure is drawn (desert pyramid, snowy cabin, cherry torii gate). */
  structure?: boolean;
}

/** The name of one control. */
export type SceneControlName = keyof SceneControls;

/** What a scene ended up with, for precise captions and checks (positions as fractions of width / height). */
export interface SceneAttributes {
  celestial?: { kind: 'sun' | 'moon'; x: number; y: number; placement: ScenePlacement };
  night?: boolean;
  trees?: number;
  structure?: boolean;
}

/** Placement bands as fractions of the width: well inside the thirds that sidePhrase names. */
const BANDS: Record<ScenePlacement, [number, number]> = { left: [0.12, 0.28], centre: [0.43, 0.57], right: [0.72, 0.88] };

/** The third of the width a fraction x falls in (the same split as the captions' sidePhrase). */
export function placementOf(fraction: number): ScenePlacement {
  return fraction < 0.36 ? 'left' : fraction > 0.64 ? 'right' : 'centre';
}

/**
 * Moves a randomly drawn x (in [lo, hi], unit space of width `aspect`) into the band of `placement`, keeping its
 * relative position in the band so placed scenes still vary; without a placement it returns x unchanged.
 */
export function placeOnSide(x: number, lo: number, hi: number, aspect: number, placement: ScenePlacement | undefined): number {
  if (!placement) return x;
  const t = hi > lo ? (x - lo) / (hi - lo) : 0.5;
  const [a, b] = BANDS[placement];
  return (a + t * (b - a)) * aspect;
}

/** Throws a DatasetError naming the control if it is malformed or the theme does not support it. */
export function validateSceneControls(theme: string, supported: readonly SceneControlName[], controls: SceneControls): void {
  for (const [name, value] of Object.entries(controls) as [SceneControlName, unknown][]) {
    if (value === undefined) continue;
    if (!supported.includes(name)) {
      throw new DatasetError(`scene theme "${theme}": control "${name}" is not supported; expected one of ${supported.join(', ') || '(none)'}`);
    }
    const ok = name === 'celestial' ? value === 'left' || value === 'centre' || value === 'right'
      : name === 'time' ? value === 'day' || value === 'night'
        : name === 'trees' ? Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 12
          : typeof value === 'boolean';
    if (!ok) {
      const expected = { celestial: '"left", "centre" or "right"', time: '"day" or "night"', trees: 'an integer from 1 to 12', structure: 'true or false' }[name];
      throw new DatasetError(`scene theme "${theme}": control ${name} = ${JSON.stringify(value)}, expected ${expected}`);
    }
  }
}
