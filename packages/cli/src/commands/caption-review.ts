import type { Command } from 'commander';
import { writeCaptionReview } from '@loraflow/captioning';
import { hiddenOutAlias, optionalOutput, outputFileOption } from './output-options.js';

interface ReviewFlags {
  trigger?: string;
  output?: string;
  out?: string;
  minWords: string;
  maxWords: string;
  thumbnail: string;
  captionExtension: string;
  json?: boolean;
}

/** `loraflow caption review DIR`: writes a static HTML contact sheet of images, captions and flags. */
export function registerCaptionReview(caption: Command): void {
  caption
    .command('review')
    .description('write an HTML contact sheet (thumbnail, caption, flags) to check captions before training')
    .argument('<dir>', 'dataset folder')
    .option('--trigger <phrase>', 'flag captions without this phrase')
    .addOption(outputFileOption('output HTML file (default DIR/caption-review.html)'))
    .addOption(hiddenOutAlias('--out <file>'))
    .option('--min-words <n>', 'flag captions shorter than this', '6')
    .option('--max-words <n>', 'flag captions longer than this', '200')
    .option('--thumbnail <px>', 'thumbnail size', '256')
    .option('--caption-extension <ext>', 'caption file extension', '.txt')
    .option('--json', 'print entries and flag counts as JSON')
    .action(async (dir: string, flags: ReviewFlags) => {
      const review = await writeCaptionReview(dir, {
        trigger: flags.trigger, out: optionalOutput('--output', flags.output, flags.out), minWords: Number(flags.minWords), maxWords: Number(flags.maxWords),
        thumbnailSize: Number(flags.thumbnail), captionExtension: flags.captionExtension,
      });
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(review, null, 2)}\n`);
        return;
      }
      const flagged = review.entries.filter((e) => e.flags.length).length;
      const counts = Object.entries(review.flagCounts).map(([f, n]) => `${f}: ${n}`).join(', ');
      process.stdout.write(`wrote ${review.file}: ${review.entries.length} images, ${flagged} flagged${counts ? ` (${counts})` : ''}\n`);
    });
}
