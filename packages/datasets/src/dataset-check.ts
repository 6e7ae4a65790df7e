import { assignBuckets, bucketHistogram } from './bucket-plan.js';
import { loadDatasetFolder, type DatasetFolderOptions } from './dataset-folder.js';
import { readImage } from './image-io.js';
import { differenceHash, hammingDistance } from './perceptual-hash.js';

/** Kinds of problems `checkDataset` reports. */
export type DatasetIssueKind = 'unreadable' | 'tiny' | 'missing-caption' | 'empty-caption' | 'garbled-caption' | 'missing-trigger' | 'near-duplicate';

/** One problem found in a dataset. */
export interface DatasetIssue {
  readonly kind: DatasetIssueKind;
  readonly severity: 'error' | 'warning';
  readonly path: string;
  readonly message: string;
}

/** What to check. */
export interface DatasetCheckOptions extends DatasetFolderOptions {
  /** A phrase every caption must contain (case-insensitive); missing it is an error. */
  trigger?: string;
  /** Training resolutions for the bucket histogram (default [1024]). */
  resolutions?: number[];
  /** Bucket side multiple (default 64). */
  step?: number;
  /** Images whose short side is below this are errors (default: a quarter of the smallest resolution). */
  minSide?: number;
  /** dHash bit distance at or under which two images count as near-duplicates (default 4 of 64). */
  duplicateDistance?: number;
}

/** The outcome of a dataset check. */
export interface DatasetReport {
  readonly root: string;
  readonly images: number;
  readonly readable: number;
  readonly issues: DatasetIssue[];
  readonly errors: number;
  readonly warnings: number;
  /** Assignments per bucket (`WxH@resolution`), each image once per resolution. */
  readonly histogram: Record<string, number>;
}

/** Replacement characters (what invalid UTF-8 decodes to) and control characters other than tab and newlines. */
function garbledCharacters(caption: string): number {
  return caption.match(/[\uFFFD\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g)?.length ?? 0;
}

const DEFAULTS = { trigger: '', resolutions: [1024], step: 64, minSide: 0, duplicateDistance: 4 };

/** Checks a dataset folder: unreadable or tiny images, missing/empty captions, captions without the trigger, near-duplicates, buckets. */
export async function checkDataset(root: string, options: DatasetCheckOptions = {}): Promise<DatasetReport> {
  const o = { ...DEFAULTS, ...options };
  const minSide = o.minSide || Math.floor(Math.min(...o.resolutions) / 4);
  const items = await loadDatasetFolder(root, options);
  const issues: DatasetIssue[] = [];
  const issue = (kind: DatasetIssueKind, severity: DatasetIssue['severity'], path: string, message: string) => issues.push({ kind, severity, path, message });
  const sized: { width: number; height: number }[] = [];
  const hashes: { path: string; hash: bigint }[] = [];
  for (const item of items) {
    const path = item.relativePath;
    try {
      const image = await readImage(item.imagePath);
      if (Math.min(image.width, image.height) < minSide) {
        issue('tiny', 'error', path, `${image.width}x${image.height} is smaller than the minimum side ${minSide}`);
      }
      sized.push({ width: image.width, height: image.height });
      hashes.push({ path, hash: await differenceHash(image) });
    } catch (error) {
      issue('unreadable', 'error', path, (error as Error).message);
    }
    if (item.caption === undefined) issue('missing-caption', 'error', path, `no caption file ${item.captionPath.split(/[\\/]/).pop()} and no manifest entry`);
    else if (item.caption.trim() === '') issue('empty-caption', 'error', path, 'caption is empty');
    else if (garbledCharacters(item.caption) > 0) {
      issue('garbled-caption', 'error', path, `caption holds ${garbledCharacters(item.caption)} invalid UTF-8 or control characters; expected text (is it a binary file?)`);
    }
    // A `[trigger]` placeholder counts: trainers and `loraflow caption` replace it with the trigger.
    else if (o.trigger && !item.caption.toLowerCase().includes(o.trigger.toLowerCase()) && !/\[trigger\]/i.test(item.caption)) {
      issue('missing-trigger', 'error', path, `caption does not contain the trigger "${o.trigger}"`);
    }
  }
  for (let i = 0; i < hashes.length; i++) {
    for (let j = i + 1; j < hashes.length; j++) {
      const d = hammingDistance(hashes[i].hash, hashes[j].hash);
      if (d <= o.duplicateDistance) issue('near-duplicate', 'warning', hashes[j].path, `looks like ${hashes[i].path} (hash distance ${d}/64)`);
    }
  }
  const histogram = bucketHistogram(assignBuckets(sized, o.resolutions, { step: o.step }));
  const errors = issues.filter((x) => x.severity === 'error').length;
  return { root, images: items.length, readable: sized.length, issues, errors, warnings: issues.length - errors, histogram };
}
