import type { Command } from 'commander';
import { registerDatasetCheck } from './dataset-check.js';
import { registerDatasetGenerate } from './dataset-generate.js';
import { registerDatasetGrid } from './dataset-grid.js';
import { registerDatasetThemes } from './dataset-themes.js';

/** `loraflow dataset generate|check|themes|grid`: make, list, check and tile image + caption folders. */
export function register(program: Command): void {
  const dataset = program.command('dataset').description('generate procedural scene datasets and check image + caption folders');
  registerDatasetGenerate(dataset);
  registerDatasetCheck(dataset);
  registerDatasetThemes(dataset);
  registerDatasetGrid(dataset);
}
