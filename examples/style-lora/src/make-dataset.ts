import { rm } from 'node:fs/promises';
import { generateSceneDataset } from '@loraflow/datasets';
import { captionDataset, offlineCaptioner } from '@loraflow/captioning';

/** Renders `count` scenes of the held-out theme into `dir` and captions them offline with the trigger phrase; returns two sample captions. */
export async function makeStyleDataset(dir: string, o: { theme: string; count: number; size: number; trigger: string; seed?: number }): Promise<string[]> {
  await rm(dir, { recursive: true, force: true });
  await generateSceneDataset(dir, { themes: [o.theme], count: o.count, width: o.size, height: o.size, seed: o.seed ?? 0, captions: false });
  const summary = await captionDataset(dir, { captioner: offlineCaptioner(), trigger: o.trigger, overwrite: true, concurrency: 8 });
  if (summary.failed.length) throw new Error(`captioning failed for ${summary.failed.length} images: ${summary.failed[0].path}: ${summary.failed[0].reason}`);
  return summary.captioned.slice(0, 2).map((c) => c.caption);
}
