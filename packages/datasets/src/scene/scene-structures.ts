import type { SeededRandom } from '@loraflow/tensor-core';
import type { SceneCanvas } from './scene-canvas.js';
import type { Color } from './scene-color.js';

/** A pagoda: stacked walls with wide upturned roofs and a spire. */
export function drawPagoda(c: SceneCanvas, x: number, ground: number, h: number, wall: Color, roof: Color): void {
  const tiers = 3, tierH = (h * 0.85) / tiers;
  for (let i = 0; i < tiers; i++) {
    const w = h * (0.3 - i * 0.06), y = ground - i * tierH;
    c.rect(x - w / 2, y - tierH * 0.75, w, tierH * 0.75);
  }
  c.paint(wall);
  for (let i = 0; i < tiers; i++) {
    const w = h * (0.3 - i * 0.06), y = ground - i * tierH - tierH * 0.7, rw = w * 0.95;
    c.polygon([x - rw, y + tierH * 0.05, x - w * 0.45, y - tierH * 0.3, x + w * 0.45, y - tierH * 0.3, x + rw, y + tierH * 0.05, x + w * 0.5, y - tierH * 0.08, x - w * 0.5, y - tierH * 0.08]);
  }
  c.rect(x - h * 0.008, ground - h, h * 0.016, h * 0.2);
  c.paint(roof);
}

/** A torii gate: two posts, a curved top beam and a tie beam. */
export function drawToriiGate(c: SceneCanvas, x: number, ground: number, h: number, color: Color): void {
  const w = h * 0.9, post = h * 0.07;
  c.rect(x - w * 0.35 - post / 2, ground - h * 0.85, post, h * 0.85);
  c.rect(x + w * 0.35 - post / 2, ground - h * 0.85, post, h * 0.85);
  c.rect(x - w * 0.45, ground - h * 0.72, w * 0.9, h * 0.06);
  c.polygon([x - w * 0.6, ground - h * 0.98, x + w * 0.6, ground - h * 0.98, x + w * 0.5, ground - h * 0.88, x - w * 0.5, ground - h * 0.88]);
  c.paint(color);
}

/** A tower block with a grid of windows, some lit; returns how many windows were lit. */
export function drawSkyscraper(c: SceneCanvas, rng: SeededRandom, x: number, ground: number, w: number, h: number, wall: Color, light: Color, litShare: number): number {
  c.rect(x, ground - h, w, h);
  if (rng.chance(0.4)) c.rect(x + w * 0.45, ground - h - h * 0.12, w * 0.06, h * 0.12);
  c.paint(wall);
  const cols = Math.max(2, Math.round(w / 0.025)), rows = Math.max(3, Math.round(h / 0.035));
  let lit = 0;
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < cols; k++) {
      if (!rng.chance(litShare)) continue;
      c.rect(x + ((k + 0.25) / cols) * w, ground - h + ((r + 0.3) / rows) * h * 0.95, (0.5 / cols) * w, (0.45 / rows) * h);
      lit++;
    }
  }
  c.paint(light);
  return lit;
}

/** A wooden cabin with a pitched roof and a warm window. */
export function drawCabin(c: SceneCanvas, x: number, ground: number, h: number, wall: Color, roof: Color, window: Color, snow?: Color): void {
  const w = h * 1.3;
  c.rect(x - w / 2, ground - h * 0.6, w, h * 0.6);
  c.paint(wall);
  c.polygon([x - w * 0.62, ground - h * 0.58, x, ground - h, x + w * 0.62, ground - h * 0.58]);
  c.paint(roof);
  if (snow) {
    c.polygon([x - w * 0.62, ground - h * 0.58, x, ground - h, x + w * 0.62, ground - h * 0.58, x, ground - h * 0.88]);
    c.paint(snow);
  }
  c.rect(x - w * 0.15, ground - h * 0.45, w * 0.22, h * 0.2);
  c.paint(window);
}

/** A flat-topped desert mesa. */
export function drawMesa(c: SceneCanvas, rng: SeededRandom, x: number, ground: number, w: number, h: number, color: Color): void {
  const top = ground - h, inset = w * rng.range(0.12, 0.22);
  c.polygon([x - w / 2, ground, x - w / 2 + inset, top + h * 0.1, x - w / 2 + inset * 1.3, top, x + w / 2 - inset * 1.2, top, x + w / 2 - inset, top + h * 0.15, x + w / 2, ground]);
  c.paint(color);
}

/** A stepped pyramid silhouette with a shaded side. */
export function drawPyramid(c: SceneCanvas, x: number, ground: number, h: number, lit: Color, dark: Color): void {
  c.polygon([x - h, ground, x, ground - h, x + h, ground]);
  c.paint(lit);
  c.polygon([x, ground - h, x + h, ground, x + h * 0.25, ground]);
  c.paint(dark);
}

/** A volcano cone with a glowing crater and lava streams. */
export function drawVolcano(c: SceneCanvas, rng: SeededRandom, x: number, ground: number, h: number, rock: Color, lava: Color): void {
  const top = ground - h, crater = h * 0.22;
  c.polygon([x - h * 1.6, ground, x - crater, top, x + crater, top, x + h * 1.6, ground]);
  c.paint(rock);
  c.glow(x, top, h * 0.7, lava, 0.6);
  c.ellipse(x, top, crater, crater * 0.18);
  for (let i = 0; i < 3; i++) {
    const dx = rng.range(-0.6, 0.6) * crater, spread = rng.range(-0.5, 0.5) * h;
    c.polygon([x + dx - 0.01, top, x + dx + 0.01, top, x + dx + spread + 0.02, top + h * rng.range(0.4, 0.8), x + dx + spread, top + h * rng.range(0.4, 0.8)]);
  }
  c.paint(lava);
}

/** A floating island: grassy top, rocky underside tapering to a point, optional waterfall. */
export function drawFloatingIsland(c: SceneCanvas, rng: SeededRandom, x: number, y: number, w: number, grass: Color, rock: Color, water: Color | undefined): void {
  const depth = w * rng.range(0.6, 0.9);
  c.polygon([x - w / 2, y, x + w / 2, y, x + w * 0.2, y + depth * 0.6, x + rng.range(-0.1, 0.1) * w, y + depth, x - w * 0.25, y + depth * 0.5]);
  c.paint(rock);
  c.ellipse(x, y, w * 0.52, w * 0.07);
  c.paint(grass);
  if (water) {
    const wx = x + w * rng.range(0.1, 0.3);
    c.rect(wx, y, w * 0.05, 1.2);
    c.paint(water, 0.75);
  }
}

/** A small bird drawn as a shallow V. */
export function drawBird(c: SceneCanvas, x: number, y: number, s: number, color: Color): void {
  c.polygon([x - s, y - s * 0.4, x, y, x + s, y - s * 0.4, x, y + s * 0.25]);
  c.paint(color);
}

/** A small fish: an oval body and a tail. */
export function drawFish(c: SceneCanvas, x: number, y: number, s: number, dir: number, color: Color): void {
  c.ellipse(x, y, s, s * 0.45);
  c.polygon([x - dir * s * 0.8, y, x - dir * s * 1.5, y - s * 0.45, x - dir * s * 1.5, y + s * 0.45]);
  c.paint(color);
}
