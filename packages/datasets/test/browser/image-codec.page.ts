/**
 * Runs in the browser page: the package's public image functions on the createImageBitmap / OffscreenCanvas
 * codec (picked at runtime because there is no `process`), plus the scene renderer. Exposes `window.__loraflowRun`
 * for the runner, which compares the results with values computed in Node.
 */
import { decodeImage, encodePng, imageCodec, renderScene, resizeImage } from '../../src/index.js';

/** Bytes in, pixels out, as plain arrays so they cross page.evaluate. */
export interface PageImage {
  width: number;
  height: number;
  channels: number;
  data: number[];
}

/** What the runner asks the page to do. */
export type PageTask =
  | { kind: 'decode'; png: number[]; channels: 3 | 4 }
  | { kind: 'encode'; image: PageImage }
  | { kind: 'resize'; image: PageImage; width: number; height: number; kernel: 'nearest' | 'linear' }
  | { kind: 'scene'; theme: string; seed: number; width: number; height: number }
  | { kind: 'codec' };

function plain(image: { width: number; height: number; channels: number; data: Uint8Array }): PageImage {
  return { width: image.width, height: image.height, channels: image.channels, data: Array.from(image.data) };
}

async function run(task: PageTask): Promise<unknown> {
  switch (task.kind) {
    case 'decode': return plain(await decodeImage(Uint8Array.from(task.png), { channels: task.channels }));
    case 'encode': return Array.from(await encodePng({ ...task.image, channels: task.image.channels as 3, data: Uint8Array.from(task.image.data) }));
    case 'resize': return plain(await resizeImage({ ...task.image, channels: task.image.channels as 3, data: Uint8Array.from(task.image.data) }, task.width, task.height, task.kernel));
    case 'scene': return plain(renderScene({ theme: task.theme, seed: task.seed, width: task.width, height: task.height }).image);
    case 'codec': return (await imageCodec()) === (await import('../../src/image-codec-browser.js')).browserImageCodec;
  }
}

(window as unknown as { __loraflowRun: typeof run }).__loraflowRun = run;
(window as unknown as { __loraflowReady: boolean }).__loraflowReady = true;
