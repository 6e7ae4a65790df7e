// Node built-ins are imported inside the functions so browser bundles of this package load without them.
import { writeFileAtomic } from '@loraflow/tensor-core';

/** The caption file beside an image: `dir/img.png` -> `dir/img.txt` (extension configurable, with or without the dot). */
export function captionPathFor(imagePath: string, captionExtension = '.txt'): string {
  const ext = captionExtension.startsWith('.') ? captionExtension : `.${captionExtension}`;
  return imagePath.replace(/\.[^./\\]*$/, '') + ext;
}

/** Reads a caption file; undefined when it does not exist. Trailing whitespace and a BOM are removed. */
export async function readCaptionFile(path: string): Promise<string | undefined> {
  try {
    const { readFile } = await import('node:fs/promises');
    return (await readFile(path, 'utf8')).replace(/^\uFEFF/, '').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Writes a caption file atomically (temp file + rename) with a trailing newline. */
export async function writeCaptionFile(path: string, caption: string): Promise<void> {
  await writeFileAtomic(path, `${caption.trim()}\n`);
}
