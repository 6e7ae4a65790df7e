import {
  classifyColors, colorStatistics, decodeImage, fitSceneThemeClassifier, listSceneThemes, SCENE_CAPTION_PREFIX, sceneSidecarPath,
  type ColorClassifier, type SceneMetadata,
} from '@loraflow/datasets';
import { checkOptions, option } from '@loraflow/tensor-core';
import type { Captioner } from './captioner.js';
import { CaptioningError } from './captioning-error.js';

/** Options for the embedded offline captioner. */
export interface OfflineCaptionerOptions {
  /** Use the generator's `.scene.json` sidecar when one sits beside the image (default true). */
  useSidecar?: boolean;
  /** A fitted colour classifier; by default one is fitted on freshly rendered procedural scenes. */
  classifier?: ColorClassifier;
}

async function readSidecar(file: string | undefined): Promise<SceneMetadata | undefined> {
  if (!file) return undefined;
  try {
    const { readFile } = await import('node:fs/promises');
    const meta = JSON.parse(await readFile(sceneSidecarPath(file), 'utf8')) as SceneMetadata;
    return meta.generator === 'loraflow-scene' && typeof meta.caption === 'string' ? meta : undefined;
  } catch {
    return undefined;
  }
}

let defaultClassifier: ColorClassifier | undefined;

function sceneClassifier(): ColorClassifier {
  defaultClassifier ??= fitSceneThemeClassifier({ seeds: 6, size: 64 });
  return defaultClassifier;
}

const HUE_NAMES = ['red', 'orange', 'yellow', 'green', 'teal', 'blue', 'purple', 'pink'];

/** Words for lighting and palette from colour statistics (mean brightness, dominant saturated hues). */
function describeColors(features: number[]): string[] {
  const brightness = (features[4] + features[9] + features[14]) / 3;
  const hues = features.slice(15, 23);
  const total = hues.reduce((a, b) => a + b, 0) || 1;
  const top = hues.map((v, i) => [v / total, i] as const).sort((a, b) => b[0] - a[0]).filter(([share]) => share > 0.2).slice(0, 2);
  const light = brightness < 0.3 ? 'dark night lighting' : brightness > 0.7 ? 'bright daylight' : 'soft lighting';
  const palette = top.length ? `${top.map(([, i]) => HUE_NAMES[i]).join(' and ')} palette` : 'muted palette';
  return [light, palette];
}

/**
 * The embedded offline captioner: no model, no network. For images made by the procedural scene generator it
 * returns the ground-truth caption from the `.scene.json` sidecar; otherwise it names the nearest procedural
 * theme by colour statistics and describes lighting and palette. Good enough for the demo and for tests,
 * not a substitute for a vision-language model on real images. The prompt is ignored.
 */
export function offlineCaptioner(options: OfflineCaptionerOptions = {}): Captioner {
  checkOptions('offlineCaptioner', options, { useSidecar: option.boolean, classifier: option.object }, (m) => new CaptioningError(m));
  const useSidecar = options.useSidecar ?? true;
  return {
    backend: 'offline',
    model: 'loraflow-scene-statistics',
    async caption({ image }) {
      if (useSidecar) {
        const meta = await readSidecar(image.file);
        if (meta) return meta.caption;
      }
      const pixels = await decodeImage(image.bytes);
      const classifier = options.classifier ?? sceneClassifier();
      const { label } = classifyColors(classifier, pixels);
      const title = listSceneThemes().find((t) => t.id === label)?.title ?? label;
      return [SCENE_CAPTION_PREFIX, `${title} theme`, ...describeColors(colorStatistics(pixels))].join(', ');
    },
  };
}
