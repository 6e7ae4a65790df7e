import type { Command } from 'commander';
import { checkDataset } from '@loraflow/datasets';

interface CheckFlags {
  trigger?: string;
  resolution: string;
  step: string;
  minSide?: string;
  duplicateDistance: string;
  captionExtension: string;
  json?: boolean;
}

function numberList(name: string, value: string): number[] {
  const list = value.split(',').map((v) => Number(v.trim()));
  if (!list.length || list.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`${name} ${JSON.stringify(value)}: expected positive integers separated by commas`);
  return list;
}

/** `loraflow dataset check DIR`: reports dataset problems and the bucket histogram; exits 1 when there are errors. */
export function registerDatasetCheck(dataset: Command): void {
  dataset
    .command('check')
    .description('check an image + caption folder: unreadable/tiny images, missing/empty captions, missing trigger, near-duplicates, buckets')
    .argument('<dir>', 'dataset folder')
    .option('--trigger <phrase>', 'phrase every caption must contain')
    .option('--resolution <list>', 'training resolutions for the bucket histogram, e.g. 1024,1280', '1024')
    .option('--step <px>', 'bucket side multiple', '64')
    .option('--min-side <px>', 'smallest acceptable short side (default: a quarter of the smallest resolution)')
    .option('--duplicate-distance <bits>', 'perceptual-hash distance (of 64 bits) that counts as a near-duplicate', '4')
    .option('--caption-extension <ext>', 'caption file extension', '.txt')
    .option('--json', 'print the report as JSON')
    .action(async (dir: string, flags: CheckFlags) => {
      const report = await checkDataset(dir, {
        trigger: flags.trigger,
        resolutions: numberList('--resolution', flags.resolution),
        step: numberList('--step', flags.step)[0],
        minSide: flags.minSide ? numberList('--min-side', flags.minSide)[0] : undefined,
        duplicateDistance: Number(flags.duplicateDistance),
        captionExtension: flags.captionExtension,
      });
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      } else {
        const out: string[] = [`${report.root}: ${report.images} images, ${report.errors} errors, ${report.warnings} warnings`];
        for (const i of report.issues) out.push(`  ${i.severity === 'error' ? 'error  ' : 'warning'} ${i.kind.padEnd(16)} ${i.path}: ${i.message}`);
        out.push('buckets:');
        const widest = Math.max(1, ...Object.values(report.histogram));
        for (const [key, n] of Object.entries(report.histogram)) out.push(`  ${key.padEnd(16)} ${String(n).padStart(5)} ${'#'.repeat(Math.ceil((n / widest) * 40))}`);
        process.stdout.write(`${out.join('\n')}\n`);
      }
      if (report.errors > 0) process.exitCode = 1;
    });
}
