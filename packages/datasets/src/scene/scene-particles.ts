import type { SeededRandom } from '@loraflow/tensor-core';
import type { SceneCanvas } from './scene-canvas.js';
import type { Color } from './scene-color.js';

/** Round particles (snowflakes, dust, petals, embers) scattered over [yMin, yMax]; `glow` adds a halo. */
export function drawDots(c: SceneCanvas, rng: SeededRandom, count: number, yMin: number, yMax: number, size: number, color: Color, alpha: number, glow = 0): void {
  const n = Math.round(count * c.aspect);
  const dots = Array.from({ length: n }, () => [rng.range(0, c.aspect), rng.range(yMin, yMax), size * rng.range(0.5, 1.4)]);
  if (glow > 0) for (const [x, y, r] of dots) c.glow(x, y, r * 4, color, glow);
  for (const [x, y, r] of dots) c.ellipse(x, y, r, r * 0.8);
  c.paint(color, alpha);
}

/** Rising bubbles drawn as rings. */
export function drawBubbles(c: SceneCanvas, rng: SeededRandom, count: number, size: number, color: Color): void {
  const n = Math.round(count * c.aspect);
  for (let i = 0; i < n; i++) {
    const x = rng.range(0, c.aspect), y = rng.range(0.05, 0.9), r = size * rng.range(0.5, 1.5);
    c.circle(x, y, r);
    c.circle(x, y, r * 0.7, 'cut');
  }
  c.paint(color, 0.8);
}

/** Slanted rain streaks. */
export function drawRain(c: SceneCanvas, rng: SeededRandom, count: number, color: Color, alpha: number): void {
  const n = Math.round(count * c.aspect);
  for (let i = 0; i < n; i++) {
    const x = rng.range(0, c.aspect), y = rng.range(0, 1), len = rng.range(0.03, 0.06), w = 0.0025;
    c.polygon([x, y, x + w, y, x + w - len * 0.25, y + len, x - len * 0.25, y + len]);
  }
  c.paint(color, alpha);
}
