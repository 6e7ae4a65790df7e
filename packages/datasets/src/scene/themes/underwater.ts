import { drawLightRays } from '../scene-sky.js';
import { hex } from '../scene-color.js';
import { drawCoral, drawSeaweed } from '../scene-flora.js';
import { drawBubbles } from '../scene-particles.js';
import { drawFish } from '../scene-structures.js';
import { drawBelow, mountainRidge, rollingRidge } from '../scene-terrain.js';
import type { SceneTheme } from '../scene-theme.js';
import { countPhrase } from '../scene-words.js';

/** Underwater: teal water with light shafts, rocks, seaweed, coral, fish and bubbles. */
export const underwaterTheme: SceneTheme = {
  id: 'underwater',
  title: 'underwater',
  description: 'teal-to-deep-blue water, light shafts, rock formations, seaweed, coral, schools of fish, bubbles',
  controls: [],
  draw({ canvas: c, rng, add, mood, palette }) {
    const deep = rng.chance(0.4);
    mood(deep ? 'deep water' : 'shallow sunlit water');
    c.fillGradient(deep
      ? [[0, hex('#1b8fb0')], [0.5, hex('#0b5a82')], [1, hex('#052743')]]
      : [[0, hex('#3cc6d6')], [0.5, hex('#1786a8')], [1, hex('#0a4868')]]);
    drawLightRays(c, rng, 2.5, hex('#c2f6ff'), 0.14, 0.12);
    add('shafts of light from the surface');
    drawBelow(c, mountainRidge(rng, c.aspect, 0.8, 0.32, 1.5), hex('#0d4f66'), 0.85);
    add('underwater rock formations');
    const schools = rng.int(1, 3);
    for (let s = 0; s < schools; s++) {
      const x0 = rng.range(0.1, c.aspect - 0.1), y0 = rng.range(0.25, 0.6), dir = rng.pick([-1, 1]);
      const color = hex(rng.pick(['#ffb347', '#ffe066', '#ff8c69']));
      for (let i = 0, n = rng.int(4, 8); i < n; i++) drawFish(c, x0 + rng.range(-0.1, 0.1), y0 + rng.range(-0.05, 0.05), 0.012, dir, color);
    }
    add(countPhrase(schools, 'school of small fish', 'schools of small fish'));
    const floor = rollingRidge(rng, 0.87, 0.02, 1.5);
    drawBelow(c, floor, { y0: 0.84, y1: 1, top: hex('#d6c38c'), bottom: hex('#a8935f') });
    add('sandy sea floor');
    const weeds = Math.round(rng.range(4, 7) * c.aspect);
    for (let i = 0; i < weeds; i++) {
      const x = rng.range(0, c.aspect);
      drawSeaweed(c, rng, x, floor(x) + 0.01, rng.range(0.2, 0.42), hex(rng.pick(['#2e8b57', '#3aa56a', '#23724a'])));
    }
    add('swaying seaweed');
    const corals = Math.max(1, Math.round(rng.range(2, 3.5) * c.aspect));
    for (let i = 0; i < corals; i++) {
      const x = ((i + rng.range(0.1, 0.9)) / corals) * c.aspect;
      drawCoral(c, rng, x, floor(x) + 0.01, rng.range(0.06, 0.11), hex(rng.pick(['#ff6f7d', '#ff9f43', '#f06292'])));
    }
    add(`${countPhrase(corals, 'coral', 'corals')} in pink and orange`);
    drawBubbles(c, rng, 40, 0.007, hex('#d8fbff'));
    add('rising bubbles');
    palette('teal and deep blue palette');
  },
};
