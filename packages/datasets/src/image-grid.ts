import { drawText, FONT_GLYPH_HEIGHT, FONT_GLYPH_WIDTH } from './bitmap-font.js';
import { DatasetError } from './dataset-error.js';
import { resizeImage } from './image-io.js';
import { withChannels, type RasterImage } from './raster-image.js';
import { option, withDefaults } from '@loraflow/tensor-core';
import { checkDatasetOptions } from './dataset-options.js';

/** One cell of a grid: an image and an optional label printed under it. */
export interface GridCell {
  readonly image: RasterImage;
  readonly label?: string;
}

/** Layout of an image grid. */
export interface ImageGridOptions {
  /** Cells per row (default: ceil(sqrt(n))). */
  columns?: number;
  /** Size each image is fitted into, keeping its aspect (default 256x256). */
  cellWidth?: number;
  cellHeight?: number;
  /** Gap between cells in pixels. */
  padding?: number;
  /** Integer scale of the 3x5 label font (0 hides labels). */
  labelScale?: number;
  /** Background and label colours, RGB 0-255. */
  background?: readonly [number, number, number];
  labelColor?: readonly [number, number, number];
}

const DEFAULTS = {
  columns: 0,
  cellWidth: 256,
  cellHeight: 256,
  padding: 8,
  labelScale: 2,
  background: [24, 24, 28] as const,
  labelColor: [235, 235, 235] as const,
} satisfies Required<ImageGridOptions>;

/** Tiles images into one RGB image with a text label under each, for reports and sample sheets. */
export async function imageGrid(cells: readonly GridCell[], options: ImageGridOptions = {}): Promise<RasterImage> {
  checkDatasetOptions('imageGrid', options, {
    columns: option.integer({ min: 0 }), cellWidth: option.integer({ min: 1 }), cellHeight: option.integer({ min: 1 }), padding: option.integer({ min: 0 }),
    labelScale: option.integer({ min: 0 }), background: option.array, labelColor: option.array,
  });
  if (cells.length === 0) throw new DatasetError('imageGrid: expected at least one cell');
  const o = withDefaults(DEFAULTS, options);
  const columns = o.columns > 0 ? o.columns : Math.ceil(Math.sqrt(cells.length));
  const rows = Math.ceil(cells.length / columns);
  const hasLabels = o.labelScale > 0 && cells.some((c) => c.label);
  const labelH = hasLabels ? (FONT_GLYPH_HEIGHT + 2) * o.labelScale : 0;
  const width = columns * (o.cellWidth + o.padding) + o.padding;
  const height = rows * (o.cellHeight + labelH + o.padding) + o.padding;
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(o.background, i * 3);
  for (let k = 0; k < cells.length; k++) {
    const src = withChannels(cells[k].image, 3);
    const scale = Math.min(o.cellWidth / src.width, o.cellHeight / src.height);
    const w = Math.max(1, Math.round(src.width * scale)), h = Math.max(1, Math.round(src.height * scale));
    const img = await resizeImage(src, w, h, scale < 1 ? 'lanczos3' : 'nearest');
    const cx = o.padding + (k % columns) * (o.cellWidth + o.padding);
    const cy = o.padding + Math.floor(k / columns) * (o.cellHeight + labelH + o.padding);
    const left = cx + Math.floor((o.cellWidth - w) / 2), top = cy + Math.floor((o.cellHeight - h) / 2);
    for (let y = 0; y < h; y++) data.set(img.data.subarray(y * w * 3, (y + 1) * w * 3), ((top + y) * width + left) * 3);
    const label = cells[k].label;
    if (hasLabels && label) {
      const fit = Math.floor(o.cellWidth / ((FONT_GLYPH_WIDTH + 1) * o.labelScale));
      drawText(data, width, 3, label.slice(0, fit), cx, cy + o.cellHeight + o.labelScale, o.labelScale, o.labelColor, o.cellWidth);
    }
  }
  return { width, height, channels: 3, data };
}
