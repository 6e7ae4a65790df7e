import type { RasterImage } from '../raster-image.js';
import { colorAt, type Color } from './scene-color.js';

/** How a shape changes the current coverage mask: union or cut-out. */
export type MaskMode = 'add' | 'cut';

/** A fill for the masked area: one colour, or a vertical gradient between unit-space rows y0 and y1. */
export type Fill = Color | { readonly y0: number; readonly y1: number; readonly top: Color; readonly bottom: Color };

const SUBSCANLINES = 4;
const SUBCOLUMNS = 4;

/**
 * A float RGB raster with an anti-aliased coverage mask. Shapes take unit coordinates in which the
 * image height is 1 and the width is the aspect ratio, so a scene looks the same at any resolution.
 * Shapes accumulate into the mask (union or cut-out) and `paint` blends one fill through it, so
 * overlapping parts of one object never double their opacity.
 */
export class SceneCanvas {
  readonly rgb: Float32Array;
  private readonly mask: Float32Array;
  private readonly row: Float32Array;
  private readonly column: Float32Array;
  private x0 = Infinity; private x1 = -Infinity; private y0 = Infinity; private y1 = -Infinity;

  constructor(readonly width: number, readonly height: number) {
    this.rgb = new Float32Array(width * height * 3);
    this.mask = new Float32Array(width * height);
    this.row = new Float32Array(width + 1);
    this.column = new Float32Array(height + 1);
  }

  /** Width in units (height is 1). */
  get aspect(): number {
    return this.width / this.height;
  }

  /** Fills the whole canvas with a top-to-bottom gradient given as [y, colour] stops. */
  fillGradient(stops: readonly (readonly [number, Color])[]): void {
    for (let y = 0; y < this.height; y++) {
      const c = colorAt(stops, (y + 0.5) / this.height);
      for (let x = 0, i = y * this.width * 3; x < this.width; x++, i += 3) {
        this.rgb[i] = c[0]; this.rgb[i + 1] = c[1]; this.rgb[i + 2] = c[2];
      }
    }
  }

  private touch(px0: number, px1: number, py0: number, py1: number): void {
    this.x0 = Math.min(this.x0, px0); this.x1 = Math.max(this.x1, px1);
    this.y0 = Math.min(this.y0, py0); this.y1 = Math.max(this.y1, py1);
  }

  private combine(index: number, coverage: number, mode: MaskMode): void {
    const c = coverage > 1 ? 1 : coverage;
    if (mode === 'add') { if (c > this.mask[index]) this.mask[index] = c; } else this.mask[index] *= 1 - c;
  }

  /** Adds (or cuts) an anti-aliased ellipse. */
  ellipse(cx: number, cy: number, rx: number, ry: number, mode: MaskMode = 'add'): void {
    const u = this.height;
    const pcx = cx * u, pcy = cy * u, prx = Math.max(rx * u, 0.3), pry = Math.max(ry * u, 0.3);
    const xa = Math.max(0, Math.floor(pcx - prx - 1)), xb = Math.min(this.width - 1, Math.ceil(pcx + prx + 1));
    const ya = Math.max(0, Math.floor(pcy - pry - 1)), yb = Math.min(this.height - 1, Math.ceil(pcy + pry + 1));
    if (xa > xb || ya > yb) return;
    const rmin = Math.min(prx, pry);
    for (let y = ya; y <= yb; y++) {
      const dy = (y + 0.5 - pcy) / pry;
      for (let x = xa; x <= xb; x++) {
        const dx = (x + 0.5 - pcx) / prx;
        // Signed distance to the rim scaled by the smaller radius: exact for circles, close enough for ellipses.
        const coverage = (1 - Math.sqrt(dx * dx + dy * dy)) * rmin + 0.5;
        if (coverage > 0) this.combine(y * this.width + x, coverage, mode);
      }
    }
    if (mode === 'add') this.touch(xa, xb, ya, yb);
  }

  /** Adds (or cuts) an anti-aliased circle. */
  circle(cx: number, cy: number, r: number, mode: MaskMode = 'add'): void {
    this.ellipse(cx, cy, r, r, mode);
  }

  /** Adds (or cuts) a polygon given as flat [x0, y0, x1, y1, ...] unit coordinates (non-zero winding). */
  polygon(points: readonly number[], mode: MaskMode = 'add'): void {
    const u = this.height, n = points.length / 2;
    if (n < 3) return;
    let minY = Infinity, maxY = -Infinity, minX = Infinity, maxX = -Infinity;
    for (let i = 0; i < n; i++) {
      minX = Math.min(minX, points[2 * i] * u); maxX = Math.max(maxX, points[2 * i] * u);
      minY = Math.min(minY, points[2 * i + 1] * u); maxY = Math.max(maxY, points[2 * i + 1] * u);
    }
    const ya = Math.max(0, Math.floor(minY)), yb = Math.min(this.height - 1, Math.ceil(maxY) - 1);
    const xa = Math.max(0, Math.floor(minX)), xb = Math.min(this.width - 1, Math.ceil(maxX));
    if (ya > yb || xa > xb) return;
    const crossX: number[] = [], crossDir: number[] = [], order: number[] = [];
    const row = this.row, w = 1 / SUBSCANLINES;
    for (let y = ya; y <= yb; y++) {
      row.fill(0, xa, xb + 1);
      for (let s = 0; s < SUBSCANLINES; s++) {
        const sy = (y + (s + 0.5) / SUBSCANLINES) / u;
        crossX.length = 0; crossDir.length = 0;
        for (let i = 0, j = n - 1; i < n; j = i++) {
          const yi = points[2 * i + 1], yj = points[2 * j + 1];
          if ((yi <= sy && sy < yj) || (yj <= sy && sy < yi)) {
            const xi = points[2 * i], xj = points[2 * j];
            crossX.push((xi + ((sy - yi) / (yj - yi)) * (xj - xi)) * u);
            crossDir.push(yj > yi ? 1 : -1);
          }
        }
        order.length = crossX.length;
        for (let k = 0; k < order.length; k++) order[k] = k;
        order.sort((a, b) => crossX[a] - crossX[b]);
        let winding = 0, start = 0;
        for (const k of order) {
          const before = winding;
          winding += crossDir[k];
          if (before === 0 && winding !== 0) start = crossX[k];
          else if (before !== 0 && winding === 0) this.addSpan(start, crossX[k], w);
        }
      }
      for (let x = xa; x <= xb; x++) if (row[x] > 0) this.combine(y * this.width + x, row[x], mode);
    }
    if (mode === 'add') this.touch(xa, xb, ya, yb);
  }

  private addSpan(a: number, b: number, weight: number): void {
    const row = this.row;
    a = Math.max(0, a); b = Math.min(this.width, b);
    if (b <= a) return;
    const ia = Math.floor(a), ib = Math.floor(b);
    if (ia === ib) { row[ia] += (b - a) * weight; return; }
    row[ia] += (ia + 1 - a) * weight;
    for (let k = ia + 1; k < ib; k++) row[k] += weight;
    if (ib < this.width) row[ib] += (b - ib) * weight;
  }

  /** Adds an axis-aligned rectangle. */
  rect(x: number, y: number, w: number, h: number, mode: MaskMode = 'add'): void {
    this.polygon([x, y, x + w, y, x + w, y + h, x, y + h], mode);
  }

  /** Adds the region between two curves y = top(x) and y = bottom(x) for x in [xFrom, xTo] (terrain, ridges, bands). */
  band(top: (x: number) => number, bottom: (x: number) => number, xFrom = 0, xTo = this.aspect): void {
    const u = this.height, col = this.column;
    const xa = Math.max(0, Math.floor(xFrom * u)), xb = Math.min(this.width - 1, Math.ceil(xTo * u) - 1);
    let ya = Infinity, yb = -Infinity;
    const tops = new Float64Array(SUBCOLUMNS), bottoms = new Float64Array(SUBCOLUMNS);
    for (let x = xa; x <= xb; x++) {
      let lo = this.height, hi = 0;
      for (let s = 0; s < SUBCOLUMNS; s++) {
        const ux = (x + (s + 0.5) / SUBCOLUMNS) / u;
        const inside = ux >= xFrom && ux <= xTo;
        tops[s] = inside ? Math.max(0, top(ux) * u) : 0;
        bottoms[s] = inside ? Math.min(this.height, bottom(ux) * u) : 0;
        if (bottoms[s] > tops[s]) {
          lo = Math.min(lo, Math.floor(tops[s]));
          hi = Math.max(hi, Math.min(this.height, Math.floor(bottoms[s]) + 1));
        }
      }
      if (hi <= lo) continue;
      col.fill(0, lo, hi);
      for (let s = 0; s < SUBCOLUMNS; s++) {
        const t = tops[s], b = bottoms[s];
        if (b <= t) continue;
        const it = Math.floor(t), ib = Math.floor(b);
        if (it === ib) { col[it] += (b - t) / SUBCOLUMNS; continue; }
        col[it] += (it + 1 - t) / SUBCOLUMNS;
        for (let k = it + 1; k < ib; k++) col[k] += 1 / SUBCOLUMNS;
        if (ib < this.height) col[ib] += (b - ib) / SUBCOLUMNS;
      }
      for (let y = lo; y < hi; y++) if (col[y] > 0) this.combine(y * this.width + x, col[y], 'add');
      ya = Math.min(ya, lo); yb = Math.max(yb, hi - 1);
    }
    if (yb >= ya) this.touch(xa, xb, ya, yb);
  }

  /** Blends a fill through the accumulated mask at the given opacity, then clears the mask. */
  paint(fill: Fill, alpha = 1): void {
    if (this.x1 < this.x0) return;
    const gradient = !Array.isArray(fill);
    for (let y = this.y0; y <= this.y1; y++) {
      let c = fill as Color;
      if (gradient) {
        const g = fill as Exclude<Fill, Color>;
        const t = Math.min(1, Math.max(0, ((y + 0.5) / this.height - g.y0) / (g.y1 - g.y0 || 1)));
        c = colorAt([[0, g.top], [1, g.bottom]], t);
      }
      for (let x = this.x0, m = y * this.width + this.x0; x <= this.x1; x++, m++) {
        const cov = this.mask[m];
        if (cov <= 0) continue;
        const a = cov * alpha, i = m * 3;
        this.rgb[i] += (c[0] - this.rgb[i]) * a;
        this.rgb[i + 1] += (c[1] - this.rgb[i + 1]) * a;
        this.rgb[i + 2] += (c[2] - this.rgb[i + 2]) * a;
        this.mask[m] = 0;
      }
    }
    this.x0 = this.y0 = Infinity; this.x1 = this.y1 = -Infinity;
  }

  /** Adds a soft radial glow (sun halos, lamps, lava light) that fades with the square of the distance ratio. */
  glow(cx: number, cy: number, r: number, color: Color, strength: number): void {
    const u = this.height, pcx = cx * u, pcy = cy * u, pr = r * u;
    const xa = Math.max(0, Math.floor(pcx - pr)), xb = Math.min(this.width - 1, Math.ceil(pcx + pr));
    const ya = Math.max(0, Math.floor(pcy - pr)), yb = Math.min(this.height - 1, Math.ceil(pcy + pr));
    for (let y = ya; y <= yb; y++) {
      for (let x = xa; x <= xb; x++) {
        const d = Math.hypot(x + 0.5 - pcx, y + 0.5 - pcy) / pr;
        if (d >= 1) continue;
        const a = strength * (1 - d) * (1 - d), i = (y * this.width + x) * 3;
        this.rgb[i] += (color[0] - this.rgb[i]) * a;
        this.rgb[i + 1] += (color[1] - this.rgb[i + 1]) * a;
        this.rgb[i + 2] += (color[2] - this.rgb[i + 2]) * a;
      }
    }
  }

  /** Colour of the canvas at a unit-space point (used to cut crescents out of moons with the sky colour). */
  colorAtPoint(x: number, y: number): Color {
    const px = Math.min(this.width - 1, Math.max(0, Math.floor(x * this.height)));
    const py = Math.min(this.height - 1, Math.max(0, Math.floor(y * this.height)));
    const i = (py * this.width + px) * 3;
    return [this.rgb[i], this.rgb[i + 1], this.rgb[i + 2]];
  }

  /** The canvas as an 8-bit RGB image. */
  toRaster(): RasterImage {
    const data = new Uint8Array(this.rgb.length);
    for (let i = 0; i < data.length; i++) {
      const v = Math.round(this.rgb[i] * 255);
      data[i] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
    return { width: this.width, height: this.height, channels: 3, data };
  }
}
