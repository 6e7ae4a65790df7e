import { drawClouds } from '../scene-sky.js';
import { hex } from '../scene-color.js';
import { drawDeadTree } from '../scene-flora.js';
import { drawDots } from '../scene-particles.js';
import { drawVolcano } from '../scene-structures.js';
import { drawBelow, mountainRidge, rollingRidge } from '../scene-terrain.js';
import type { SceneTheme } from '../scene-theme.js';
import { countPhrase, sidePhrase } from '../scene-words.js';

/** Volcanic wasteland: a glowing red sky, an erupting volcano, black rock, lava and embers. */
export const volcanicTheme: SceneTheme = {
  id: 'volcanic',
  title: 'volcanic wasteland',
  description: 'a smoky red sky, an erupting volcano with lava streams, black rocks, charred trees and embers',
  controls: ['trees'],
  draw({ canvas: c, rng, add, mood, palette, controls, attribute }) {
    mood('smoky dusk');
    c.fillGradient([[0, hex('#1c0b0b')], [0.5, hex('#5c1b12')], [1, hex('#c2471e')]]);
    drawClouds(c, rng, 1.3, 0.05, 0.3, 0.1, hex('#3b2a28'), 0.85);
    add('dark ash clouds');
    const volcanoX = rng.range(0.25, c.aspect - 0.25);
    drawVolcano(c, rng, volcanoX, 0.8, rng.range(0.38, 0.5), hex('#2b1a17'), hex('#ff6a14'));
    add(`an erupting volcano with lava streams ${sidePhrase(volcanoX, c.aspect)}`);
    drawBelow(c, mountainRidge(rng, c.aspect, 0.82, 0.16, 3), hex('#3a2220'));
    add('jagged black rocks');
    const ground = rollingRidge(rng, 0.87, 0.02, 1.8);
    drawBelow(c, ground, hex('#1c1210'));
    const cracks = Math.max(2, Math.round(3 * c.aspect));
    for (let i = 0; i < cracks; i++) {
      const x = rng.range(0, c.aspect), y = rng.range(0.9, 0.98), len = rng.range(0.08, 0.2);
      c.polygon([x, y, x + len * 0.5, y - 0.006, x + len, y + 0.004, x + len * 0.5, y + 0.004]);
      c.glow(x + len / 2, y, len * 0.6, hex('#ff5a1a'), 0.25);
    }
    c.paint(hex('#ff7a1a'));
    add('glowing lava cracks');
    const drawnTrees = rng.int(1, 3);
    const trees = controls.trees ?? drawnTrees;
    attribute({ trees, night: false });
    for (let i = 0; i < trees; i++) {
      const x = rng.range(0.05, c.aspect - 0.05);
      drawDeadTree(c, rng, x, ground(x) + 0.01, rng.range(0.2, 0.32), hex('#120b0a'));
    }
    add(countPhrase(trees, 'charred dead tree', 'charred dead trees'));
    drawDots(c, rng, 45, 0.1, 0.95, 0.0035, hex('#ffb347'), 1, 0.3);
    add('floating embers');
    palette('dark red and black palette');
  },
};
