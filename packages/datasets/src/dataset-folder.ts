// Node built-ins are imported inside the functions so browser bundles of this package load without them.
import { captionPathFor, readCaptionFile } from './caption-file.js';
import { DatasetError } from './dataset-error.js';
import { IMAGE_EXTENSIONS } from './image-io.js';
import { option, withDefaults, type OptionRule } from '@loraflow/tensor-core';
import { checkDatasetOptions } from './dataset-options.js';

/** One image of a dataset folder with its caption and repeat count. */
export interface DatasetItem {
  /** Absolute (or root-joined) path of the image. */
  readonly imagePath: string;
  /** Path relative to the dataset root, with forward slashes. */
  readonly relativePath: string;
  /** Where its caption file is (or would be written). */
  readonly captionPath: string;
  /** The caption: from the caption file, else from the manifest; undefined when neither has one. */
  readonly caption: string | undefined;
  /** Times the image is seen per epoch (kohya's `N_name` folder prefix or the manifest's `repeats`). */
  readonly repeats: number;
}

/** How a dataset folder is read. */
export interface DatasetFolderOptions {
  /** Extension of caption files beside images (default `.txt`; kohya users also use `.caption`). */
  captionExtension?: string;
  /** Name of an optional JSONL manifest at the root: lines of `{"file_name": ..., "text": ..., "repeats"?: n}`. */
  manifest?: string;
  /** Descend into sub-folders (default true). */
  recursive?: boolean;
  /** Called with the paths (relative to the root) of image files in formats that are not read, such as GIF or TIFF. */
  onSkipped?: (relativePaths: string[]) => void;
}

const DEFAULTS = { captionExtension: '.txt', manifest: 'metadata.jsonl', recursive: true, onSkipped: () => {} } satisfies Required<DatasetFolderOptions>;

/** Rules of DatasetFolderOptions. */
export const FOLDER_RULES = { captionExtension: option.string, manifest: option.string, recursive: option.boolean, onSkipped: option.function } satisfies Record<string, OptionRule>;

/** Image formats a dataset folder may hold that are not read (listed with a warning instead of silently left out). */
export const SKIPPED_IMAGE_EXTENSIONS = ['.gif', '.tif', '.tiff', '.bmp', '.avif', '.heic', '.heif', '.svg', '.jxl'] as const;

interface ManifestEntry {
  text?: string;
  repeats?: number;
}

async function readManifest(path: string): Promise<Map<string, ManifestEntry>> {
  let text: string;
  try {
    const { readFile } = await import('node:fs/promises');
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw error;
  }
  const entries = new Map<string, ManifestEntry>();
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let row: Record<string, unknown>;
    try {
      row = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new DatasetError(`${path}:${i + 1}: not valid JSON; expected one object per line`);
    }
    const file = row.file_name ?? row.image ?? row.path;
    if (typeof file !== 'string') throw new DatasetError(`${path}:${i + 1}: expected a "file_name" string`);
    const caption = row.text ?? row.caption;
    const repeats = row.repeats;
    if (repeats !== undefined && (!Number.isInteger(repeats) || (repeats as number) < 1)) {
      throw new DatasetError(`${path}:${i + 1}: "repeats" is ${JSON.stringify(repeats)}, expected a positive integer`);
    }
    entries.set(file.replace(/\\/g, '/').replace(/^\.\//, ''), { text: typeof caption === 'string' ? caption.trim() : undefined, repeats: repeats as number | undefined });
  });
  return entries;
}

/** Repeat count from the nearest enclosing kohya-style `N_name` folder (1 when there is none). */
export function repeatsFromPath(relativePath: string): number {
  const parts = relativePath.split('/').slice(0, -1).reverse();
  for (const part of parts) {
    const m = /^(\d+)_./.exec(part);
    if (m) return Math.max(1, Number(m[1]));
  }
  return 1;
}

async function listImages(root: string, dir: string, recursive: boolean, out: string[], skipped: string[]): Promise<void> {
  const { readdir } = await import('node:fs/promises');
  const { extname, join } = await import('node:path');
  const entries = await readdir(dir, { withFileTypes: true });
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      if (recursive) await listImages(root, path, recursive, out, skipped);
    } else if (e.isFile() && (IMAGE_EXTENSIONS as readonly string[]).includes(extname(e.name).toLowerCase())) {
      out.push(path);
    } else if (e.isFile() && (SKIPPED_IMAGE_EXTENSIONS as readonly string[]).includes(extname(e.name).toLowerCase())) {
      skipped.push(path);
    }
  }
}

/** Lists the images of a dataset folder (image + caption side by side, nested folders, optional manifest), sorted by path. */
export async function loadDatasetFolder(root: string, options: DatasetFolderOptions = {}): Promise<DatasetItem[]> {
  checkDatasetOptions('loadDatasetFolder', options, FOLDER_RULES);
  const o = withDefaults(DEFAULTS, options);
  const { join, relative, sep } = await import('node:path');
  const paths: string[] = [];
  const skipped: string[] = [];
  try {
    await listImages(root, root, o.recursive, paths, skipped);
  } catch (error) {
    throw new DatasetError(`${root}: cannot list dataset folder: ${(error as Error).message}`);
  }
  if (skipped.length > 0) o.onSkipped(skipped.sort().map((p) => relative(root, p).split(sep).join('/')));
  const manifest = await readManifest(join(root, o.manifest));
  paths.sort();
  return Promise.all(paths.map(async (imagePath) => {
    const relativePath = relative(root, imagePath).split(sep).join('/');
    const captionPath = captionPathFor(imagePath, o.captionExtension);
    const entry = manifest.get(relativePath);
    const caption = (await readCaptionFile(captionPath)) ?? entry?.text;
    return { imagePath, relativePath, captionPath, caption, repeats: entry?.repeats ?? repeatsFromPath(relativePath) };
  }));
}
