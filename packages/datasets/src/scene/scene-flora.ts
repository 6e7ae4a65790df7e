import type { SeededRandom } from '@loraflow/tensor-core';
import type { SceneCanvas } from './scene-canvas.js';
import { shade, type Color } from './scene-color.js';

/** A trunk as a tapered quad from the ground up to `top`. */
function trunk(c: SceneCanvas, x: number, ground: number, top: number, w: number): void {
  c.polygon([x - w / 2, ground, x + w / 2, ground, x + w * 0.3, top, x - w * 0.3, top]);
}

/** A conifer: trunk and three stacked triangles, optionally snow-dusted. */
export function drawPine(c: SceneCanvas, x: number, ground: number, h: number, leaf: Color, bark: Color, snow?: Color): void {
  trunk(c, x, ground, ground - h * 0.25, h * 0.08);
  c.paint(bark);
  const tiers = [[0.15, 0.62, 0.32], [0.4, 0.85, 0.26], [0.62, 1, 0.19]];
  for (const [b, t, w] of tiers) c.polygon([x - w * h, ground - b * h, x + w * h, ground - b * h, x, ground - t * h]);
  c.paint(leaf);
  if (snow) {
    for (const [b, t, w] of tiers) {
      const mid = b + (t - b) * 0.55, hw = w * h * 0.45;
      c.polygon([x - hw, ground - mid * h, x + hw, ground - mid * h, x, ground - t * h]);
    }
    c.paint(snow);
  }
}

/** A broadleaf tree: trunk and a crown of overlapping circles with a lighter top. */
export function drawRoundTree(c: SceneCanvas, rng: SeededRandom, x: number, ground: number, h: number, leaf: Color, bark: Color): void {
  trunk(c, x, ground, ground - h * 0.55, h * 0.1);
  c.paint(bark);
  const r = h * 0.28;
  const blobs = Array.from({ length: 5 }, () => [x + rng.range(-1, 1) * r * 0.8, ground - h * 0.68 + rng.range(-1, 1) * r * 0.5, r * rng.range(0.6, 0.9)]);
  for (const [bx, by, br] of blobs) c.circle(bx, by, br);
  c.paint(leaf);
  for (const [bx, by, br] of blobs) c.circle(bx - br * 0.2, by - br * 0.3, br * 0.5);
  c.paint(shade(leaf, 1.25), 0.6);
}

/** A cherry tree: dark forked trunk and a wide pink canopy of blossom clusters. */
export function drawCherryTree(c: SceneCanvas, rng: SeededRandom, x: number, ground: number, h: number, blossom: Color, bark: Color): void {
  trunk(c, x, ground, ground - h * 0.5, h * 0.09);
  const lean = rng.range(-0.25, 0.25) * h;
  c.polygon([x - h * 0.03, ground - h * 0.45, x + h * 0.01, ground - h * 0.45, x + lean - h * 0.25, ground - h * 0.75, x + lean - h * 0.28, ground - h * 0.73]);
  c.polygon([x - h * 0.01, ground - h * 0.45, x + h * 0.03, ground - h * 0.45, x + lean + h * 0.3, ground - h * 0.72, x + lean + h * 0.27, ground - h * 0.74]);
  c.paint(bark);
  const blobs = Array.from({ length: 7 }, () => [x + lean * 0.5 + rng.range(-1, 1) * h * 0.38, ground - h * 0.75 + rng.range(-1, 1) * h * 0.14, h * rng.range(0.13, 0.2)]);
  for (const [bx, by, br] of blobs) c.circle(bx, by, br);
  c.paint(blossom);
  for (const [bx, by, br] of blobs) c.circle(bx - br * 0.15, by - br * 0.25, br * 0.55);
  c.paint(shade(blossom, 1.12), 0.7);
}

/** A saguaro cactus with one or two arms. */
export function drawCactus(c: SceneCanvas, rng: SeededRandom, x: number, ground: number, h: number, color: Color): void {
  const w = h * 0.16;
  c.rect(x - w / 2, ground - h + w / 2, w, h - w / 2);
  c.circle(x, ground - h + w / 2, w / 2);
  for (const side of rng.chance(0.5) ? [-1, 1] : [rng.pick([-1, 1])]) {
    const ay = ground - h * rng.range(0.35, 0.55), ax = x + side * w * 1.3, top = ay - h * rng.range(0.2, 0.35);
    c.rect(Math.min(x, ax) - w * 0.3 + (side > 0 ? w * 0.3 : 0), ay - w * 0.35, w * 1.3, w * 0.7);
    c.rect(ax - w * 0.35, top, w * 0.7, ay - top);
    c.circle(ax, top, w * 0.35);
  }
  c.paint(color);
}

/** A leafless tree: a trunk with forked branches. */
export function drawDeadTree(c: SceneCanvas, rng: SeededRandom, x: number, ground: number, h: number, color: Color): void {
  trunk(c, x, ground, ground - h * 0.6, h * 0.07);
  const branch = (bx: number, by: number, angle: number, len: number, w: number, depth: number): void => {
    const ex = bx + Math.sin(angle) * len, ey = by - Math.cos(angle) * len;
    const nx = Math.cos(angle) * w / 2, ny = Math.sin(angle) * w / 2;
    c.polygon([bx - nx, by - ny, bx + nx, by + ny, ex + nx * 0.4, ey + ny * 0.4, ex - nx * 0.4, ey - ny * 0.4]);
    if (depth > 0) {
      branch(ex, ey, angle - rng.range(0.3, 0.7), len * 0.65, w * 0.6, depth - 1);
      branch(ex, ey, angle + rng.range(0.3, 0.7), len * 0.65, w * 0.6, depth - 1);
    }
  };
  branch(x, ground - h * 0.55, rng.range(-0.2, 0.2), h * 0.3, h * 0.05, 2);
  c.paint(color);
}

/** A swaying seaweed strand built as a tapered wavy ribbon. */
export function drawSeaweed(c: SceneCanvas, rng: SeededRandom, x: number, ground: number, h: number, color: Color): void {
  const steps = 12, phase = rng.range(0, Math.PI * 2), amp = h * 0.06, w = h * 0.05;
  const left: number[] = [], right: number[] = [];
  for (let i = 0; i <= steps; i++) {
    const t = i / steps, y = ground - t * h, cx = x + Math.sin(phase + t * 7) * amp * t, hw = (w / 2) * (1 - t * 0.8);
    left.push(cx - hw, y); right.unshift(cx + hw, y);
  }
  const pts = [...left];
  for (let i = 0; i < right.length; i += 2) pts.push(right[i], right[i + 1]);
  c.polygon(pts);
  c.paint(color);
}

/** A coral fan: a cluster of rounded branches. */
export function drawCoral(c: SceneCanvas, rng: SeededRandom, x: number, ground: number, h: number, color: Color): void {
  const arms = rng.int(3, 5);
  for (let i = 0; i < arms; i++) {
    const a = ((i + 0.5) / arms - 0.5) * 1.6, len = h * rng.range(0.6, 1), w = h * 0.3;
    const ex = x + Math.sin(a) * len, ey = ground - Math.cos(a) * len;
    c.polygon([x - w / 2, ground, x + w / 2, ground, ex + w * 0.3, ey, ex - w * 0.3, ey]);
    c.circle(ex, ey, w * 0.45);
  }
  c.paint(color);
}

/** A low bush made of three circles. */
export function drawBush(c: SceneCanvas, x: number, ground: number, h: number, color: Color): void {
  c.circle(x - h * 0.5, ground - h * 0.3, h * 0.45);
  c.circle(x + h * 0.5, ground - h * 0.3, h * 0.45);
  c.circle(x, ground - h * 0.55, h * 0.55);
  c.rect(x - h * 0.9, ground - h * 0.3, h * 1.8, h * 0.3);
  c.paint(color);
}
