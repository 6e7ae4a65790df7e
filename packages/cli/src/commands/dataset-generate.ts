import type { Command } from 'commander';
import { generateSceneDataset, listSceneThemes } from '@loraflow/datasets';
import { progressDisplay } from './progress-display.js';
import { chosenOutput, hiddenOutAlias, outDirOption } from './output-options.js';

interface GenerateFlags {
  theme: string[];
  count: string;
  outDir?: string;
  out?: string;
  width: string;
  height: string;
  seed: string;
  captions: boolean;
  captionExtension: string;
  progress: boolean;
  json?: boolean;
}

function positiveInt(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} ${JSON.stringify(value)}: expected a positive integer`);
  return n;
}

/** `loraflow dataset generate`: renders procedural 2D side-scrolling backgrounds with ground-truth captions. */
export function registerDatasetGenerate(dataset: Command): void {
  dataset
    .command('generate')
    .description('render procedural 2D side-scrolling backgrounds (PNG + caption + .scene.json metadata)')
    .addOption(outDirOption('output folder (required)'))
    .addOption(hiddenOutAlias('-o, --out <dir>'))
    .option('--theme <ids...>', `themes (comma or space separated): ${listSceneThemes().map((t) => t.id).join(', ')}; default all`, [])
    .option('-n, --count <n>', 'images per theme', '8')
    .option('-W, --width <px>', 'image width', '512')
    .option('-H, --height <px>', 'image height', '288')
    .option('--seed <n>', 'first seed; image i uses seed + i', '0')
    .option('--no-captions', 'do not write caption files (to caption them with `loraflow caption` instead)')
    .option('--caption-extension <ext>', 'caption file extension', '.txt')
    .option('--no-progress', 'hide the progress bar')
    .option('--json', 'print the generated metadata as JSON')
    .action(async (flags: GenerateFlags) => {
      const outDir = chosenOutput('--out-dir', flags.outDir, flags.out);
      const themes = flags.theme.flatMap((t) => t.split(',')).map((t) => t.trim()).filter((t) => t && t !== 'all');
      const count = positiveInt('--count', flags.count);
      const seed = Number(flags.seed);
      if (!Number.isInteger(seed)) throw new Error(`--seed ${JSON.stringify(flags.seed)}: expected an integer`);
      const progress = progressDisplay('generate', flags.progress);
      progress.start((themes.length || listSceneThemes().length) * count);
      const written = await generateSceneDataset(outDir, {
        themes, count, seed, width: positiveInt('--width', flags.width), height: positiveInt('--height', flags.height),
        captions: flags.captions, captionExtension: flags.captionExtension,
        onProgress: (_done, _total, path) => progress.tick(path.split(/[\\/]/).pop() ?? ''),
      });
      progress.stop();
      if (flags.json) process.stdout.write(`${JSON.stringify(written, null, 2)}\n`);
      else process.stdout.write(`wrote ${written.length} images to ${outDir}\n`);
    });
}
