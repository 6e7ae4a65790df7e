/**
 * Caption run throughput against a local OpenAI-compatible fake server that answers after a fixed latency,
 * at several concurrency limits: shows the runner's own overhead (image read, base64, JSON, atomic write)
 * and that concurrency hides model latency. Also times the offline captioner.
 * Usage: pnpm --filter @loraflow/captioning bench   (shared 2-core machine: numbers are noisy)
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSceneDataset } from '@loraflow/datasets';
import { captionDataset, offlineCaptioner, openAiCaptioner } from '../src/index.js';
import { startFakeServer } from '../test/fake-vlm-server.js';

const IMAGES = 64, LATENCY_MS = 50;

async function freshCopy(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lf-cap-bench-'));
  await generateSceneDataset(dir, { count: IMAGES / 8, width: 512, height: 288, captions: false });
  return dir;
}

const server = await startFakeServer({ api: 'openai', okDelayMs: LATENCY_MS });
try {
  console.log(`${IMAGES} images of 512x288, fake server latency ${LATENCY_MS} ms:`);
  for (const concurrency of [1, 4, 16]) {
    const dir = await freshCopy();
    const t0 = performance.now();
    const summary = await captionDataset(dir, { captioner: openAiCaptioner({ baseUrl: server.url, model: 'm' }), concurrency, trigger: 'mybg' });
    const ms = performance.now() - t0;
    const written = (await readdir(dir)).filter((f) => f.endsWith('.txt')).length;
    console.log(`  concurrency ${String(concurrency).padStart(2)}: ${(IMAGES / (ms / 1000)).toFixed(1)} images/s, ${(ms / IMAGES).toFixed(1)} ms/image ` +
      `(ideal ${(LATENCY_MS / concurrency).toFixed(1)}), ${summary.captioned.length} captioned, ${written} files`);
    await rm(dir, { recursive: true, force: true });
  }
  const dir = await freshCopy();
  for (const f of (await readdir(dir)).filter((x) => x.endsWith('.scene.json'))) await rm(join(dir, f));
  const t0 = performance.now();
  await captionDataset(dir, { captioner: offlineCaptioner(), concurrency: 1 });
  console.log(`offline captioner from colour statistics (classifier fit included): ${((performance.now() - t0) / IMAGES).toFixed(1)} ms/image`);
  await rm(dir, { recursive: true, force: true });
} finally {
  await server.close();
}
