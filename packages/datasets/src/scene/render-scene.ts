import { option } from '@loraflow/tensor-core';
import { DatasetError } from '../dataset-error.js';
import { checkDatasetOptions } from '../dataset-options.js';
import type { RasterImage } from '../raster-image.js';
import { hashString, SeededRandom } from '@loraflow/tensor-core';
import { SceneCanvas } from './scene-canvas.js';
import { validateSceneControls, type SceneAttributes, type SceneControls } from './scene-controls.js';
import { findSceneTheme, listSceneThemes } from './scene-themes.js';

/** The phrase every generated caption starts with (the style report's trigger ends with it too). */
export const SCENE_CAPTION_PREFIX = 'a 2D side scrolling background';

/** Which scene to draw. */
export interface SceneOptions {
  /** A theme id from listSceneThemes(). */
  theme: string;
  /** Any integer; the same (theme, seed) gives the same scene at every resolution. */
  seed: number;
  width: number;
  height: number;
  /** Opt-in overrides of the sun/moon position, time of day, tree count or structure; omitted = the default scene. */
  controls?: SceneControls;
}

/** What was drawn, kept beside the image as a metadata sidecar and used for the ground-truth caption. */
export interface SceneMetadata {
  readonly generator: 'loraflow-scene';
  readonly theme: string;
  readonly themeTitle: string;
  readonly seed: number;
  readonly width: number;
  readonly height: number;
  readonly mood: string;
  readonly elements: readonly string[];
  readonly palette: string;
  readonly caption: string;
}

/** A rendered scene: RGB pixels, its caption and its metadata. */
export interface RenderedScene {
  readonly image: RasterImage;
  readonly caption: string;
  readonly metadata: SceneMetadata;
  /** Structured facts (sun/moon position, night, tree count, structure), kept out of the metadata sidecar. */
  readonly attributes: SceneAttributes;
}

/** Renders one procedural 2D side-scrolling background with parallax layers and its ground-truth caption. */
export function renderScene(options: SceneOptions): RenderedScene {
  const themes = listSceneThemes().map((t) => t.id);
  checkDatasetOptions('renderScene', options, {
    theme: option.oneOf(themes), seed: option.integer(), width: option.integer({ min: 8 }), height: option.integer({ min: 8 }), controls: option.object,
  });
  for (const key of ['theme', 'seed', 'width', 'height'] as const) {
    if (options?.[key] === undefined) throw new DatasetError(`renderScene: option "${key}" is missing, expected ${key === 'theme' ? `one of ${themes.join(', ')}` : 'an integer'}`);
  }
  const { theme: id, seed, width, height } = options;
  const theme = findSceneTheme(id);
  if (!theme) {
    throw new DatasetError(`scene theme "${id}": expected one of ${listSceneThemes().map((t) => t.id).join(', ')}`);
  }
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 8 || height < 8 || width * height > 64e6) {
    throw new DatasetError(`scene size ${width}x${height}: expected integers of at least 8 and at most 64 megapixels`);
  }
  if (!Number.isInteger(seed)) throw new DatasetError(`scene seed ${seed}: expected an integer`);
  const controls = options.controls ?? {};
  validateSceneControls(id, theme.controls, controls);
  const canvas = new SceneCanvas(width, height);
  const rng = new SeededRandom((hashString(id) ^ Math.imul(seed, 0x9e3779b1)) >>> 0);
  const elements: string[] = [];
  let mood = '', palette = '';
  const attributes: SceneAttributes = {};
  theme.draw({
    canvas, rng,
    add: (phrase) => { if (!elements.includes(phrase)) elements.push(phrase); },
    mood: (phrase) => { mood = phrase; },
    palette: (phrase) => { palette = phrase; },
    controls,
    attribute: (facts) => { Object.assign(attributes, facts); },
  });
  const caption = [SCENE_CAPTION_PREFIX, `${theme.title} theme`, mood, ...elements, palette].filter(Boolean).join(', ');
  return {
    image: canvas.toRaster(),
    caption,
    metadata: { generator: 'loraflow-scene', theme: id, themeTitle: theme.title, seed, width, height, mood, elements, palette, caption },
    attributes,
  };
}
