/** Renders the base model's training scenes: every generator theme except the held-out one, with ground-truth captions. */
import { imageToChw, listSceneThemes, renderScene } from '../../packages/datasets/src/index.ts';

/** The theme kept out of base training (the style report's oriental cherry-blossom backgrounds, learned later by a LoRA). */
export const HELD_OUT_THEME = 'cherry-blossom';

/** Images [N, 3, S, S] in [-1, 1] as one Float32Array, their captions and themes. */
export interface SceneSet {
  pixels: Float32Array;
  captions: string[];
  themes: string[];
  size: number;
}

/** Renders `perTheme` scenes (seeds seedOffset..) of each theme in `themes` at size x size. */
export function renderSceneSet(themes: readonly string[], perTheme: number, size: number, seedOffset = 0): SceneSet {
  const n = themes.length * perTheme;
  const plane = 3 * size * size;
  const pixels = new Float32Array(n * plane);
  const captions: string[] = [];
  const themeOf: string[] = [];
  let i = 0;
  for (let s = 0; s < perTheme; s++) {
    for (const theme of themes) {
      const scene = renderScene({ theme, seed: seedOffset + s, width: size, height: size });
      pixels.set(imageToChw(scene.image).data.subarray(0, plane), i * plane);
      captions.push(scene.caption);
      themeOf.push(theme);
      i++;
    }
  }
  return { pixels, captions, themes: themeOf, size };
}

/** Theme ids used for base training. */
export function trainingThemes(): string[] {
  return listSceneThemes().map((t) => t.id).filter((id) => id !== HELD_OUT_THEME);
}
