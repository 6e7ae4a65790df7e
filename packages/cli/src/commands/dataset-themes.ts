import type { Command } from 'commander';
import { listSceneThemes } from '@loraflow/datasets';

/** `loraflow dataset themes`: lists the procedural scene themes. */
export function registerDatasetThemes(dataset: Command): void {
  dataset
    .command('themes')
    .description('list the procedural scene generator themes')
    .option('--json', 'print machine-readable JSON')
    .action((opts: { json?: boolean }) => {
      const themes = listSceneThemes();
      if (opts.json) process.stdout.write(`${JSON.stringify(themes, null, 2)}\n`);
      else for (const t of themes) process.stdout.write(`${t.id.padEnd(18)} ${t.description}\n`);
    });
}
