import { readFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSceneDataset, loadDatasetFolder } from '@loraflow/datasets';
import { imageHash } from './fake-vlm-server.js';

/** A temp folder of uncaptioned procedural scenes; returns the folder and each image's path -> hash. */
export async function uncaptionedScenes(count: number, themes = ['desert', 'forest', 'underwater', 'night-city']): Promise<{ dir: string; hashes: Map<string, string> }> {
  const dir = await mkdtemp(join(tmpdir(), 'lf-caption-'));
  await generateSceneDataset(dir, { themes, count: Math.ceil(count / themes.length), width: 64, height: 40, captions: false });
  const hashes = new Map<string, string>();
  for (const item of (await loadDatasetFolder(dir)).slice(0, count)) hashes.set(item.relativePath, imageHash(await readFile(item.imagePath)));
  return { dir, hashes };
}
