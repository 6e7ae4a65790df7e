import { drawClouds, drawLightRays } from '../scene-sky.js';
import { hex } from '../scene-color.js';
import { drawBush, drawPine, drawRoundTree } from '../scene-flora.js';
import { drawDots } from '../scene-particles.js';
import { drawBelow, rollingRidge } from '../scene-terrain.js';
import type { SceneTheme } from '../scene-theme.js';
import { countPhrase } from '../scene-words.js';

/** Forest: green hills, layered leafy trees and pines, sunbeams and fireflies. */
export const forestTheme: SceneTheme = {
  id: 'forest',
  title: 'green forest',
  description: 'rolling green hills, layers of leafy trees and pines, bushes, sunbeams and fireflies',
  controls: ['trees'],
  draw({ canvas: c, rng, add, mood, palette, controls, attribute }) {
    const morning = rng.chance(0.5);
    mood(morning ? 'misty morning' : 'sunny afternoon');
    const sky = (morning ? ['#9fd3bc', '#d4ecd0', '#eef6da'] : ['#7dc2df', '#c2e6d8', '#e5f4d2']).map(hex);
    c.fillGradient([[0, sky[0]], [0.5, sky[1]], [1, sky[2]]]);
    drawClouds(c, rng, 1, 0.08, 0.25, 0.07, hex('#ffffff'), 0.8);
    add('white clouds');
    const far = rollingRidge(rng, 0.58, 0.07, 1.2);
    drawBelow(c, far, hex('#86b880'));
    const farTrees = Math.round(10 * c.aspect);
    for (let i = 0; i < farTrees; i++) {
      const x = ((i + rng.range(0, 1)) / farTrees) * c.aspect;
      drawRoundTree(c, rng, x, far(x) + 0.01, rng.range(0.1, 0.15), hex('#5f9f58'), hex('#4f6b3a'));
    }
    add('rolling green hills');
    const mid = rollingRidge(rng, 0.72, 0.04, 2);
    drawBelow(c, mid, hex('#4e8a3f'));
    const ground = rollingRidge(rng, 0.86, 0.015, 2);
    const drawnTrees = Math.round(rng.range(3, 5) * c.aspect);
    const trees = controls.trees ?? drawnTrees;
    attribute({ trees, night: false });
    for (let i = 0; i < trees; i++) {
      const x = ((i + rng.range(0.1, 0.9)) / trees) * c.aspect;
      if (rng.chance(0.3)) drawPine(c, x, ground(x) + 0.02, rng.range(0.4, 0.55), hex('#1d5230'), hex('#4a3423'));
      else drawRoundTree(c, rng, x, ground(x) + 0.02, rng.range(0.4, 0.58), hex(rng.pick(['#2f6f2f', '#3a7d33', '#28632c'])), hex('#5a3d26'));
    }
    add(`${countPhrase(trees, 'tall tree', 'tall leafy trees and pines')} in front`);
    drawBelow(c, ground, { y0: 0.84, y1: 1, top: hex('#3f7f2c'), bottom: hex('#2c5e20') });
    add('mossy forest floor');
    const bushes = Math.round(rng.range(2, 4) * c.aspect);
    for (let i = 0; i < bushes; i++) {
      const x = rng.range(0, c.aspect);
      drawBush(c, x, ground(x) + 0.02, rng.range(0.04, 0.07), hex('#356f27'));
    }
    add('green bushes');
    drawLightRays(c, rng, 2, hex('#fffbe0'), 0.16, 0.25);
    add('sunbeams');
    drawDots(c, rng, 30, 0.35, 0.95, 0.004, hex('#fff59a'), 1, 0.35);
    add('glowing fireflies');
    palette('lush green palette');
  },
};
