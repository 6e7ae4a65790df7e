import { captionPathFor, writeCaptionFile } from '../caption-file.js';
import { DatasetError } from '../dataset-error.js';
import { writePng } from '../image-io.js';
import { writeFileAtomic } from '@loraflow/tensor-core';
import { renderScene, type SceneMetadata } from './render-scene.js';
import { listSceneThemes } from './scene-themes.js';

/** Suffix of the metadata sidecar written beside each generated image (`desert-00003.scene.json`). */
export const SCENE_SIDECAR_SUFFIX = '.scene.json';

/** What to generate. */
export interface GenerateScenesOptions {
  /** Theme ids (default: all themes). */
  themes?: string[];
  /** Images per theme. */
  count?: number;
  width?: number;
  height?: number;
  /** First seed; image i of a theme uses seed + i. */
  seed?: number;
  /** Write the ground-truth caption as a caption file (default true; turn off to caption with a captioner instead). */
  captions?: boolean;
  captionExtension?: string;
  /** Called after each image is written. */
  onProgress?: (done: number, total: number, path: string) => void;
}

const DEFAULTS = {
  themes: [] as string[], count: 8, width: 512, height: 288, seed: 0, captions: true, captionExtension: '.txt',
  onProgress: () => {},
} satisfies Required<GenerateScenesOptions>;

/** Path of the scene metadata sidecar for an image. */
export function sceneSidecarPath(imagePath: string): string {
  return captionPathFor(imagePath, SCENE_SIDECAR_SUFFIX);
}

/** Renders procedural scenes into a folder: `<theme>-<seed>.png`, its caption file and a `.scene.json` metadata sidecar. */
export async function generateSceneDataset(dir: string, options: GenerateScenesOptions = {}): Promise<SceneMetadata[]> {
  const o = { ...DEFAULTS, ...options };
  const known = listSceneThemes().map((t) => t.id);
  const themes = o.themes.length ? o.themes : known;
  for (const t of themes) {
    if (!known.includes(t)) throw new DatasetError(`--theme "${t}": expected one of ${known.join(', ')}`);
  }
  if (!Number.isInteger(o.count) || o.count < 1) throw new DatasetError(`count ${o.count}: expected a positive integer`);
  const { join } = await import('node:path');
  const total = themes.length * o.count, written: SceneMetadata[] = [];
  for (const theme of themes) {
    for (let i = 0; i < o.count; i++) {
      const seed = o.seed + i;
      const scene = renderScene({ theme, seed, width: o.width, height: o.height });
      const path = join(dir, `${theme}-${String(seed).padStart(5, '0')}.png`);
      await writePng(path, scene.image);
      await writeFileAtomic(sceneSidecarPath(path), `${JSON.stringify(scene.metadata, null, 2)}\n`);
      if (o.captions) await writeCaptionFile(captionPathFor(path, o.captionExtension), scene.caption);
      written.push(scene.metadata);
      o.onProgress(written.length, total, path);
    }
  }
  return written;
}
