import type { SeededRandom } from '@loraflow/tensor-core';
import type { SceneCanvas } from './scene-canvas.js';
import type { Color } from './scene-color.js';

/** Scatters small stars over the upper part of the sky. */
export function drawStars(c: SceneCanvas, rng: SeededRandom, count: number, color: Color, yMax: number): void {
  const n = Math.round(count * c.aspect);
  for (let i = 0; i < n; i++) {
    c.circle(rng.range(0, c.aspect), rng.range(0, yMax), rng.range(0.0015, 0.004));
  }
  c.paint(color, 0.9);
}

/** A sun disc with a halo. */
export function drawSun(c: SceneCanvas, x: number, y: number, r: number, color: Color, halo: Color): void {
  c.glow(x, y, r * 5, halo, 0.55);
  c.circle(x, y, r);
  c.paint(color);
}

/** A full or crescent moon with a faint halo; the crescent is cut with the sky colour behind it. */
export function drawMoon(c: SceneCanvas, x: number, y: number, r: number, color: Color, crescent: boolean): void {
  c.glow(x, y, r * 3.5, color, 0.25);
  c.circle(x, y, r);
  if (crescent) c.circle(x + r * 0.45, y - r * 0.2, r * 0.85, 'cut');
  c.paint(color);
}

/** A puffy cloud made of overlapping ellipses with a flat-ish base; returns nothing, paints at once. */
export function drawCloud(c: SceneCanvas, rng: SeededRandom, x: number, y: number, size: number, color: Color, alpha: number): void {
  const puffs = rng.int(4, 7);
  for (let i = 0; i < puffs; i++) {
    const t = (i + 0.5) / puffs - 0.5;
    const r = size * (0.35 + 0.3 * (1 - Math.abs(t) * 2)) * rng.range(0.8, 1.2);
    c.ellipse(x + t * size * 2, y - r * 0.4, r * 1.2, r);
  }
  c.ellipse(x, y, size * 1.3, size * 0.22);
  c.paint(color, alpha);
}

/** A row of clouds across the sky band [yMin, yMax]. */
export function drawClouds(c: SceneCanvas, rng: SeededRandom, count: number, yMin: number, yMax: number, size: number, color: Color, alpha: number): void {
  const n = Math.max(1, Math.round(count * c.aspect));
  for (let i = 0; i < n; i++) {
    const x = ((i + rng.range(0.1, 0.9)) / n) * c.aspect;
    drawCloud(c, rng, x, rng.range(yMin, yMax), size * rng.range(0.7, 1.3), color, alpha);
  }
}

/** Slanted shafts of light falling from the top edge (forest glades, underwater). */
export function drawLightRays(c: SceneCanvas, rng: SeededRandom, count: number, color: Color, alpha: number, slant: number): void {
  const n = Math.max(1, Math.round(count * c.aspect));
  for (let i = 0; i < n; i++) {
    const x = ((i + rng.range(0, 1)) / n) * c.aspect, w = rng.range(0.03, 0.08);
    c.polygon([x, 0, x + w, 0, x + w + slant + w * 1.5, 1, x + slant - w * 0.5, 1]);
  }
  c.paint(color, alpha);
}
