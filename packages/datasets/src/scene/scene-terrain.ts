import type { SeededRandom } from '@loraflow/tensor-core';
import type { Fill, SceneCanvas } from './scene-canvas.js';
import { noise1d } from './scene-noise.js';

/** A ridge line y(x) in unit space. */
export type Ridge = (x: number) => number;

/** Jagged mountain ridge: triangular peaks with fractal roughness; `base` is the valley line, `height` the tallest peak. */
export function mountainRidge(rng: SeededRandom, aspect: number, base: number, height: number, peaksPerUnit: number): Ridge {
  const n = Math.max(2, Math.round(peaksPerUnit * aspect) + 2);
  const peaks = Array.from({ length: n }, (_, i) => ({
    x: ((i - 0.5 + rng.range(0.2, 0.8)) / (n - 2)) * aspect,
    h: height * rng.range(0.55, 1),
    slope: rng.range(1.1, 1.9),
  }));
  const rough = noise1d(rng, 14, 3);
  return (x) => {
    let top = 0;
    for (const p of peaks) top = Math.max(top, p.h - Math.abs(x - p.x) * p.slope * height * 2.2);
    return base - top - (rough(x) - 0.5) * height * 0.12;
  };
}

/** Smooth rolling ridge (hills, dunes, ground) around `base` with the given amplitude and frequency. */
export function rollingRidge(rng: SeededRandom, base: number, amplitude: number, frequency: number): Ridge {
  const n = noise1d(rng, frequency, 2);
  return (x) => base - (n(x) - 0.5) * 2 * amplitude;
}

/** Fills everything below a ridge. */
export function drawBelow(c: SceneCanvas, ridge: Ridge, fill: Fill, alpha = 1): void {
  c.band(ridge, () => 2);
  c.paint(fill, alpha);
}

/** Snow caps: the part of a ridge above the snow line, down to a ragged edge. */
export function drawSnowCaps(c: SceneCanvas, rng: SeededRandom, ridge: Ridge, snowLine: number, fill: Fill): void {
  const ragged = noise1d(rng, 30, 2);
  c.band(ridge, (x) => Math.max(ridge(x), snowLine + (ragged(x) - 0.5) * 0.06));
  c.paint(fill);
}
