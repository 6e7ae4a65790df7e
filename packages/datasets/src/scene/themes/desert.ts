import { placementOf, placeOnSide } from '../scene-controls.js';
import { drawClouds, drawSun } from '../scene-sky.js';
import { hex, mix } from '../scene-color.js';
import { drawCactus } from '../scene-flora.js';
import { drawDots } from '../scene-particles.js';
import { drawMesa, drawPyramid } from '../scene-structures.js';
import { drawBelow, rollingRidge } from '../scene-terrain.js';
import type { SceneTheme } from '../scene-theme.js';
import { countPhrase, sidePhrase } from '../scene-words.js';

/** Desert: a blazing sun over red mesas, dunes, cacti and sometimes pyramids. */
export const desertTheme: SceneTheme = {
  id: 'desert',
  title: 'desert',
  description: 'a blazing sun, red rock mesas, rolling golden dunes, saguaro cacti and drifting sand',
  controls: ['celestial', 'structure'],
  draw({ canvas: c, rng, add, mood, palette, controls, attribute }) {
    const sunset = rng.chance(0.4);
    mood(sunset ? 'desert sunset' : 'hot midday');
    const sky = (sunset ? ['#c4513a', '#ef8a3c', '#ffd487'] : ['#eea055', '#f8cf95', '#fde8c2']).map(hex);
    c.fillGradient([[0, sky[0]], [0.55, sky[1]], [1, sky[2]]]);
    const sunX = placeOnSide(rng.range(0.2, c.aspect - 0.2), 0.2, c.aspect - 0.2, c.aspect, controls.celestial);
    const sunY = sunset ? rng.range(0.4, 0.5) : rng.range(0.12, 0.22);
    drawSun(c, sunX, sunY, 0.09, hex('#fff4c8'), hex('#ffd27a'));
    attribute({ celestial: { kind: 'sun', x: sunX / c.aspect, y: sunY, placement: placementOf(sunX / c.aspect) }, night: false });
    add(`${sunset ? 'a huge setting sun' : 'a blazing sun'} ${sidePhrase(sunX, c.aspect)}`);
    if (rng.chance(0.4)) {
      drawClouds(c, rng, 0.8, 0.1, 0.3, 0.07, hex('#fbe2c0'), 0.6);
      add('thin clouds');
    }
    const mesas = Math.max(1, Math.round(rng.range(1, 2.2) * c.aspect));
    for (let i = 0; i < mesas; i++) {
      drawMesa(c, rng, ((i + rng.range(0.1, 0.9)) / mesas) * c.aspect, 0.74, rng.range(0.2, 0.4), rng.range(0.15, 0.28), mix(sky[2], hex('#b0502c'), 0.7));
    }
    add(countPhrase(mesas, 'red rock mesa', 'red rock mesas'));
    const pyramid = rng.chance(0.5);
    attribute({ structure: controls.structure ?? pyramid });
    if (controls.structure ?? pyramid) {
      drawPyramid(c, rng.range(0.2, c.aspect - 0.2), 0.75, rng.range(0.1, 0.16), hex('#dca862'), hex('#a8733c'));
      add('a distant pyramid');
    }
    drawBelow(c, rollingRidge(rng, 0.74, 0.04, 1.5), hex('#e2a65a'));
    const near = rollingRidge(rng, 0.84, 0.04, 1.1);
    drawBelow(c, near, { y0: 0.78, y1: 1, top: hex('#d99445'), bottom: hex('#b8702e') });
    add('rolling sand dunes');
    const cacti = Math.max(1, Math.round(rng.range(1, 2.5) * c.aspect));
    for (let i = 0; i < cacti; i++) {
      const x = ((i + rng.range(0.1, 0.9)) / cacti) * c.aspect;
      drawCactus(c, rng, x, near(x) + 0.01, rng.range(0.14, 0.26), hex('#4f7a3f'));
    }
    add(countPhrase(cacti, 'saguaro cactus', 'saguaro cacti'));
    drawDots(c, rng, 50, 0.5, 1, 0.003, hex('#fff0cc'), 0.5);
    add('drifting sand dust');
    palette('warm orange and gold palette');
  },
};
