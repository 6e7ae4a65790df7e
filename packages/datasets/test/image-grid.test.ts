import { describe, expect, it } from 'vitest';
import { imageGrid, type RasterImage } from '@loraflow/datasets';

function solid(width: number, height: number, rgb: [number, number, number]): RasterImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(rgb, i * 3);
  return { width, height, channels: 3, data };
}

describe('imageGrid', () => {
  it('lays cells out in rows with padding and fits each image inside its cell', async () => {
    const colors: [number, number, number][] = [[200, 10, 10], [10, 200, 10], [10, 10, 200]];
    const grid = await imageGrid(colors.map((c, i) => ({ image: solid(40 + i * 20, 30, c) })), { columns: 2, cellWidth: 50, cellHeight: 40, padding: 4, labelScale: 0 });
    expect([grid.width, grid.height]).toEqual([2 * 54 + 4, 2 * 44 + 4]);
    const at = (x: number, y: number) => Array.from(grid.data.subarray((y * grid.width + x) * 3, (y * grid.width + x) * 3 + 3));
    expect(at(4 + 25, 4 + 20)).toEqual(colors[0]);
    expect(at(58 + 25, 4 + 20)).toEqual(colors[1]);
    expect(at(4 + 25, 48 + 20)).toEqual(colors[2]);
    expect(at(1, 1)).toEqual([24, 24, 28]);
  });

  it('prints labels under the cells in the label colour', async () => {
    const grid = await imageGrid([{ image: solid(10, 10, [0, 0, 0]), label: 'AB' }], { cellWidth: 20, cellHeight: 10, padding: 2, labelScale: 1, labelColor: [255, 0, 255] });
    let ink = 0;
    for (let i = 0; i < grid.width * grid.height; i++) if (grid.data[i * 3] === 255 && grid.data[i * 3 + 1] === 0) ink++;
    // 'A' and 'B' have 10 ink cells each in the 3x5 font.
    expect(ink).toBe(20);
  });
});
