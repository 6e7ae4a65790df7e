import { placementOf, placeOnSide } from '../scene-controls.js';
import { drawCloud, drawSun } from '../scene-sky.js';
import { hex, mix } from '../scene-color.js';
import { drawCherryTree } from '../scene-flora.js';
import { drawDots } from '../scene-particles.js';
import { drawPagoda, drawToriiGate } from '../scene-structures.js';
import { drawBelow, mountainRidge, rollingRidge } from '../scene-terrain.js';
import type { SceneTheme } from '../scene-theme.js';
import { countPhrase, sidePhrase } from '../scene-words.js';

const MOODS = [
  { name: 'spring morning', sky: ['#f4bfd3', '#fbe1ea', '#fff4e6'], sun: '#fff9ef', halo: '#ffe4ec' },
  { name: 'pink sunset', sky: ['#e27d9f', '#f6b1ae', '#ffdcc0'], sun: '#fff0d4', halo: '#ffc6b4' },
];

/** Oriental cherry blossom: pink skies, pagodas, torii gates, blossoming trees and falling petals. */
export const cherryBlossomTheme: SceneTheme = {
  id: 'cherry-blossom',
  title: 'oriental cherry blossom',
  description: 'pink skies, misty lavender mountains, red pagodas, cherry trees in bloom and drifting petals',
  controls: ['celestial', 'trees', 'structure'],
  draw({ canvas: c, rng, add, mood, palette, controls, attribute }) {
    const m = rng.pick(MOODS);
    mood(m.name);
    const sky = m.sky.map(hex);
    c.fillGradient([[0, sky[0]], [0.55, sky[1]], [1, sky[2]]]);
    const sunX = placeOnSide(rng.range(0.15, c.aspect - 0.15), 0.15, c.aspect - 0.15, c.aspect, controls.celestial);
    const sunY = rng.range(0.12, 0.28);
    drawSun(c, sunX, sunY, 0.055, hex(m.sun), hex(m.halo));
    attribute({ celestial: { kind: 'sun', x: sunX / c.aspect, y: sunY, placement: placementOf(sunX / c.aspect) } });
    add(`a soft pale sun ${sidePhrase(sunX, c.aspect)}`);
    const clouds = rng.int(1, 3);
    for (let i = 0; i < clouds; i++) drawCloud(c, rng, rng.range(0, c.aspect), rng.range(0.1, 0.3), 0.08, hex('#fff3f7'), 0.55);
    add('wispy clouds');
    drawBelow(c, mountainRidge(rng, c.aspect, 0.66, 0.32, 1.6), mix(sky[1], hex('#a88fc4'), 0.55));
    drawBelow(c, mountainRidge(rng, c.aspect, 0.72, 0.18, 2.4), mix(sky[1], hex('#8c6fae'), 0.7));
    add('misty lavender mountains');
    const pagodas = rng.int(1, 2);
    for (let i = 0; i < pagodas; i++) {
      drawPagoda(c, ((i + rng.range(0.2, 0.8)) / pagodas) * c.aspect, 0.76, rng.range(0.28, 0.38), hex('#c0392b'), hex('#3a2633'));
    }
    add(countPhrase(pagodas, 'red pagoda', 'red pagodas'));
    const ground = rollingRidge(rng, 0.84, 0.015, 1.5);
    drawBelow(c, ground, { y0: 0.8, y1: 1, top: hex('#a9d39a'), bottom: hex('#e9b7c8') });
    add('grassy ground');
    const gate = rng.chance(0.5);
    attribute({ structure: controls.structure ?? gate });
    if (controls.structure ?? gate) {
      const x = rng.range(0.2, c.aspect - 0.2);
      drawToriiGate(c, x, ground(x) + 0.01, rng.range(0.2, 0.26), hex('#d6452f'));
      add('a red torii gate');
    }
    const drawnTrees = Math.max(2, Math.round(rng.range(2, 3.5) * c.aspect));
    const trees = controls.trees ?? drawnTrees;
    attribute({ trees });
    for (let i = 0; i < trees; i++) {
      const x = ((i + rng.range(0.1, 0.9)) / trees) * c.aspect;
      drawCherryTree(c, rng, x, ground(x) + 0.01, rng.range(0.32, 0.48), hex(rng.pick(['#f5a3c0', '#f7b6cd', '#f090b2'])), hex('#4a2c2a'));
    }
    add(countPhrase(trees, 'cherry blossom tree', 'cherry blossom trees'));
    drawDots(c, rng, 70, 0, 1, 0.005, hex('#ffc7da'), 0.9);
    add('falling cherry petals');
    palette('soft pink and cream palette');
  },
};
