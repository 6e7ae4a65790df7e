import { placementOf, placeOnSide } from '../scene-controls.js';
import { drawClouds, drawSun } from '../scene-sky.js';
import { hex, mix } from '../scene-color.js';
import { drawRoundTree } from '../scene-flora.js';
import { drawBird, drawFloatingIsland } from '../scene-structures.js';
import { drawBelow, rollingRidge } from '../scene-terrain.js';
import type { SceneTheme } from '../scene-theme.js';
import { countPhrase, sidePhrase } from '../scene-words.js';

/** Sky islands: floating grassy islands with waterfalls above a distant ocean in a bright blue sky. */
export const skyIslandsTheme: SceneTheme = {
  id: 'sky-islands',
  title: 'floating sky islands',
  description: 'a bright blue sky, fluffy clouds, floating grassy islands with waterfalls, birds, a distant ocean',
  controls: ['celestial'],
  draw({ canvas: c, rng, add, mood, palette, controls, attribute }) {
    mood('bright day');
    const sky = ['#2a93ee', '#79c6ff', '#d3efff'].map(hex);
    c.fillGradient([[0, sky[0]], [0.6, sky[1]], [0.86, sky[2]]]);
    const sunX = placeOnSide(rng.range(0.15, c.aspect - 0.15), 0.15, c.aspect - 0.15, c.aspect, controls.celestial);
    const sunY = rng.range(0.08, 0.2);
    drawSun(c, sunX, sunY, 0.05, hex('#fffde8'), hex('#ffffff'));
    attribute({ celestial: { kind: 'sun', x: sunX / c.aspect, y: sunY, placement: placementOf(sunX / c.aspect) }, night: false });
    add(`a shining sun ${sidePhrase(sunX, c.aspect)}`);
    drawClouds(c, rng, 2.2, 0.12, 0.7, 0.08, hex('#ffffff'), 0.95);
    add('fluffy white clouds');
    drawBelow(c, rollingRidge(rng, 0.88, 0.004, 3), { y0: 0.86, y1: 1, top: hex('#3b8fd0'), bottom: hex('#1d5c98') });
    add('a distant ocean');
    const far = Math.max(1, Math.round(rng.range(1.5, 2.5) * c.aspect));
    for (let i = 0; i < far; i++) {
      drawFloatingIsland(c, rng, ((i + rng.range(0.1, 0.9)) / far) * c.aspect, rng.range(0.3, 0.5), rng.range(0.08, 0.14), mix(sky[1], hex('#6cbf4a'), 0.6), mix(sky[1], hex('#8a6a4a'), 0.6), undefined);
    }
    const near = Math.max(1, Math.round(rng.range(1, 1.8) * c.aspect));
    let waterfalls = 0;
    for (let i = 0; i < near; i++) {
      const x = ((i + rng.range(0.2, 0.8)) / near) * c.aspect, y = rng.range(0.45, 0.65), w = rng.range(0.2, 0.32);
      const fall = rng.chance(0.6);
      if (fall) waterfalls++;
      drawFloatingIsland(c, rng, x, y, w, hex('#5fb83c'), hex('#7d5a3c'), fall ? hex('#e4f7ff') : undefined);
      for (let t = 0, n = rng.int(1, 3); t < n; t++) drawRoundTree(c, rng, x + rng.range(-0.35, 0.35) * w, y + 0.005, rng.range(0.07, 0.12), hex('#2f8a34'), hex('#5a3d26'));
    }
    add(`${countPhrase(near + far, 'floating grassy island', 'floating grassy islands')} with small trees`);
    if (waterfalls > 0) add('waterfalls pouring off the islands');
    for (let i = 0, n = rng.int(2, 5); i < n; i++) drawBird(c, rng.range(0, c.aspect), rng.range(0.1, 0.4), 0.012, hex('#23364d'));
    add('flying birds');
    palette('bright sky blue and green palette');
  },
};
