import { checkOptions, option, withDefaults } from '@loraflow/tensor-core';
import { imageGrid, writePng, type RasterImage } from '@loraflow/datasets';
import { TrainerError } from './trainer-error.js';

/** Size and smoothing of the loss plot. */
export interface LossCurveOptions {
  width?: number;
  height?: number;
  /** Steps in the moving average drawn over the raw losses. */
  window?: number;
}

const DEFAULTS = { width: 640, height: 320, window: 20 } satisfies Required<LossCurveOptions>;
const MARGIN = 12;
// Below 2 * MARGIN + 1 pixels there is no plot area left.
const RULES = { width: option.integer({ min: 2 * MARGIN + 1, max: 16384 }), height: option.integer({ min: 2 * MARGIN + 1, max: 16384 }), window: option.integer({ min: 1 }) };

/** Moving average over the last `window` values (shorter at the start). */
export function movingAverage(values: readonly number[], window: number): number[] {
  let sum = 0;
  return values.map((v, i) => {
    sum += v;
    if (i >= window) sum -= values[i - window];
    return sum / Math.min(i + 1, window);
  });
}

function plotLine(img: Uint8Array, w: number, h: number, pts: readonly [number, number][], rgb: readonly [number, number, number]): void {
  const put = (x: number, y: number) => {
    if (x < 0 || y < 0 || x >= w || y >= h) return;
    const o = (y * w + x) * 3;
    img[o] = rgb[0]; img[o + 1] = rgb[1]; img[o + 2] = rgb[2];
  };
  for (let i = 1; i < pts.length; i++) {
    const [x0, y0] = pts[i - 1], [x1, y1] = pts[i];
    const n = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
    for (let k = 0; k <= n; k++) put(Math.round(x0 + ((x1 - x0) * k) / n), Math.round(y0 + ((y1 - y0) * k) / n));
  }
  if (pts.length === 1) put(Math.round(pts[0][0]), Math.round(pts[0][1]));
}

/**
 * Draws losses against step as an RGB image: raw losses in light grey, their moving average in orange, on a
 * y axis from 0 to the 98th percentile (so one spike does not flatten the curve), with quarter grid lines.
 */
export function renderLossCurve(losses: readonly number[], options: LossCurveOptions = {}): RasterImage {
  checkOptions('renderLossCurve', options, RULES, (m) => new TrainerError(m));
  const o = withDefaults(DEFAULTS, options);
  const { width: w, height: h } = o;
  const data = new Uint8Array(w * h * 3).fill(255);
  const finite = losses.filter(Number.isFinite);
  const sorted = [...finite].sort((a, b) => a - b);
  const top = Math.max(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.98))] ?? 1, 1e-12) * 1.05;
  const px = (i: number) => MARGIN + ((w - 2 * MARGIN) * i) / Math.max(1, losses.length - 1);
  const py = (v: number) => h - MARGIN - ((h - 2 * MARGIN) * Math.min(v, top)) / top;
  for (let q = 0; q <= 4; q++) {
    const y = py((top * q) / 4);
    plotLine(data, w, h, [[MARGIN, y], [w - MARGIN, y]], q === 0 ? [60, 60, 60] : [225, 225, 225]);
  }
  plotLine(data, w, h, [[MARGIN, MARGIN], [MARGIN, h - MARGIN]], [60, 60, 60]);
  const raw = losses.map((v, i) => [px(i), py(Number.isFinite(v) ? v : top)] as [number, number]);
  plotLine(data, w, h, raw, [190, 190, 190]);
  const smooth = movingAverage(losses.map((v) => (Number.isFinite(v) ? v : top)), o.window).map((v, i) => [px(i), py(v)] as [number, number]);
  plotLine(data, w, h, smooth, [230, 110, 20]);
  return { width: w, height: h, channels: 3, data };
}

/** Writes the loss curve as a PNG with a caption line giving the step range and the y scale. */
export async function writeLossCurve(path: string, losses: readonly number[], options: LossCurveOptions = {}): Promise<void> {
  checkOptions('writeLossCurve', options, RULES, (m) => new TrainerError(m));
  const o = withDefaults(DEFAULTS, options);
  const chart = renderLossCurve(losses, o);
  const finite = losses.filter(Number.isFinite).sort((a, b) => a - b);
  const top = (finite[Math.min(finite.length - 1, Math.floor(finite.length * 0.98))] ?? 1) * 1.05;
  const label = `loss, steps 1-${losses.length}, y 0-${top.toPrecision(3)}, orange ${o.window}-step mean`;
  const grid = await imageGrid([{ image: chart, label }], { columns: 1, cellWidth: o.width, cellHeight: o.height, labelScale: 2, background: [255, 255, 255], labelColor: [30, 30, 30] });
  await writePng(path, grid);
}
