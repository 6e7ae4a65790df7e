import type { Command } from 'commander';
import { imageGrid, loadDatasetFolder, readImage, writePng } from '@loraflow/datasets';
import { chosenOutput, hiddenOutAlias, outputFileOption } from './output-options.js';

interface GridFlags {
  output?: string;
  out?: string;
  columns: string;
  cell: string;
  label: 'name' | 'caption' | 'none';
  limit: string;
}

/** `loraflow dataset grid DIR -o sheet.png`: one labelled contact-sheet PNG of a folder, for reports. */
export function registerDatasetGrid(dataset: Command): void {
  dataset
    .command('grid')
    .description('tile the images of a folder into one labelled PNG (for reports)')
    .argument('<dir>', 'dataset folder')
    .addOption(outputFileOption('output PNG (required)'))
    .addOption(hiddenOutAlias('--out <file>'))
    .option('--columns <n>', 'cells per row (0 = square-ish)', '0')
    .option('--cell <px>', 'cell size', '192')
    .option('--label <what>', 'label under each image: name | caption | none', 'name')
    .option('--limit <n>', 'at most this many images (0 = all)', '0')
    .action(async (dir: string, flags: GridFlags) => {
      const output = chosenOutput('--output', flags.output, flags.out);
      if (!['name', 'caption', 'none'].includes(flags.label)) throw new Error(`--label "${flags.label}": expected name, caption or none`);
      const cell = Number(flags.cell), columns = Number(flags.columns), limit = Number(flags.limit);
      if (!Number.isInteger(cell) || cell < 8) throw new Error(`--cell ${JSON.stringify(flags.cell)}: expected an integer of at least 8`);
      const items = await loadDatasetFolder(dir);
      const chosen = limit > 0 ? items.slice(0, limit) : items;
      if (chosen.length === 0) throw new Error(`${dir}: no PNG, JPEG or WebP images found`);
      const cells = await Promise.all(chosen.map(async (item) => ({
        image: await readImage(item.imagePath),
        label: flags.label === 'none' ? undefined : flags.label === 'caption' ? (item.caption ?? '(no caption)') : item.relativePath,
      })));
      const grid = await imageGrid(cells, { columns, cellWidth: cell, cellHeight: cell, labelScale: flags.label === 'none' ? 0 : 2 });
      await writePng(output, grid);
      process.stdout.write(`wrote ${output}: ${cells.length} images, ${grid.width}x${grid.height}\n`);
    });
}
