import { readFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSceneDataset, loadDatasetFolder } from '@loraflow/datasets';
import { imageHash } from './fake-vlm-server.js';

/** A temp folder of uncaptioned procedural scenes; returns the folder and each image's path -> hash. */
export async function uncaptionedScenes(count: number, themes = ['desert', 'forest', 'underwater', 'night-city']): Promise<{ dir: string; hashes: Map<string, string> }> {
  const dir = await mkdtemp(join(tmpdir(), 'lf-caption-'));
  const used = themes.slice(0, Math.min(count, themes.length));
  if (count % used.length !== 0) throw new Error(`uncaptionedScenes: ${count} images do not split evenly over ${used.length} themes`);
  await generateSceneDataset(dir, { themes: used, count: count / used.length, width: 64, height: 40, captions: false });
  const hashes = new Map<string, string>();
  for (const item of await loadDatasetFolder(dir)) hashes.set(item.relativePath, imageHash(await readFile(item.imagePath)));
  return { dir, hashes };
}
