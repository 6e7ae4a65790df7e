import type { SeededRandom } from '@loraflow/tensor-core';
import type { SceneCanvas } from './scene-canvas.js';
import type { SceneAttributes, SceneControlName, SceneControls } from './scene-controls.js';

/** What a theme draws with: the canvas, its random stream, and a recorder for caption phrases. */
export interface SceneDraw {
  readonly canvas: SceneCanvas;
  readonly rng: SeededRandom;
  /** Records a phrase for something that was actually drawn (it ends up in the ground-truth caption). */
  add(phrase: string): void;
  /** Records the time of day / mood picked for this image. */
  mood(phrase: string): void;
  /** Records the palette phrase. */
  palette(phrase: string): void;
  /** The caller's opt-in overrides (empty for the default scene). */
  readonly controls: SceneControls;
  /** Records structured facts about what was drawn (merged into the scene's attributes). */
  attribute(facts: SceneAttributes): void;
}

/** A visual theme of the procedural 2D side-scrolling background generator. */
export interface SceneTheme {
  /** Kebab-case id used on the command line (`snowy-mountains`). */
  readonly id: string;
  /** Words used in captions ("snowy mountains" gives "snowy mountains theme"). */
  readonly title: string;
  /** One sentence for listings. */
  readonly description: string;
  /** The scene controls this theme honours. */
  readonly controls: readonly SceneControlName[];
  /** Draws one scene, back to front. */
  draw(d: SceneDraw): void;
}
