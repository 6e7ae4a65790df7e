import type { SceneControlName } from './scene-controls.js';
import type { SceneTheme } from './scene-theme.js';
import { cherryBlossomTheme } from './themes/cherry-blossom.js';
import { desertTheme } from './themes/desert.js';
import { forestTheme } from './themes/forest.js';
import { nightCityTheme } from './themes/night-city.js';
import { skyIslandsTheme } from './themes/sky-islands.js';
import { snowyMountainsTheme } from './themes/snowy-mountains.js';
import { underwaterTheme } from './themes/underwater.js';
import { volcanicTheme } from './themes/volcanic.js';

const THEMES: readonly SceneTheme[] = [
  cherryBlossomTheme, snowyMountainsTheme, desertTheme, forestTheme, nightCityTheme, underwaterTheme, volcanicTheme, skyIslandsTheme,
];

/** A theme's id, caption title and one-line description. */
export interface SceneThemeInfo {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  /** The scene controls the theme honours (see SceneControls). */
  readonly controls: readonly SceneControlName[];
}

/** Every theme of the procedural scene generator, in a fixed order. */
export function listSceneThemes(): SceneThemeInfo[] {
  return THEMES.map(({ id, title, description, controls }) => ({ id, title, description, controls }));
}

/** The theme with this id, or undefined. */
export function findSceneTheme(id: string): SceneTheme | undefined {
  return THEMES.find((t) => t.id === id);
}
