import type { Command } from 'commander';
import { registerDatasetCheck } from './dataset-check.js';
import { registerDatasetGenerate } from './dataset-generate.js';
import { registerDatasetThemes } from './dataset-themes.js';

/** `loraflow dataset generate|check|themes`: make, list and check image + caption folders. */
export function register(program: Command): void {
  const dataset = program.command('dataset').description('generate procedural scene datasets and check image + caption folders');
  registerDatasetGenerate(dataset);
  registerDatasetCheck(dataset);
  registerDatasetThemes(dataset);
}
