import { placementOf, placeOnSide } from '../scene-controls.js';
import { drawMoon, drawStars, drawSun } from '../scene-sky.js';
import { hex, mix } from '../scene-color.js';
import { drawPine } from '../scene-flora.js';
import { drawDots } from '../scene-particles.js';
import { drawCabin } from '../scene-structures.js';
import { drawBelow, drawSnowCaps, mountainRidge, rollingRidge } from '../scene-terrain.js';
import type { SceneTheme } from '../scene-theme.js';
import { countPhrase, sidePhrase } from '../scene-words.js';

/** Snowy mountains: snow-capped peaks, pine forests, cabins and snowfall, by day or under a full moon. */
export const snowyMountainsTheme: SceneTheme = {
  id: 'snowy-mountains',
  title: 'snowy mountains',
  description: 'snow-capped peaks, snow-dusted pines, wooden cabins and falling snow, by day or by moonlight',
  controls: ['celestial', 'time', 'trees', 'structure'],
  draw({ canvas: c, rng, add, mood, palette, controls, attribute }) {
    const drawnNight = rng.chance(0.4);
    const night = controls.time ? controls.time === 'night' : drawnNight;
    mood(night ? 'winter night' : 'clear winter day');
    const sky = (night ? ['#0c1736', '#2a4475', '#6a86b5'] : ['#6ea6dc', '#bcd7f0', '#eef5fb']).map(hex);
    c.fillGradient([[0, sky[0]], [0.6, sky[1]], [1, sky[2]]]);
    const cx = placeOnSide(rng.range(0.15, c.aspect - 0.15), 0.15, c.aspect - 0.15, c.aspect, controls.celestial), cy = rng.range(0.1, 0.25);
    attribute({ celestial: { kind: night ? 'moon' : 'sun', x: cx / c.aspect, y: cy, placement: placementOf(cx / c.aspect) }, night });
    if (night) {
      drawStars(c, rng, 60, hex('#f4f6ff'), 0.5);
      add('starry sky');
      drawMoon(c, cx, cy, 0.06, hex('#f3f0dc'), false);
      add(`a full moon ${sidePhrase(cx, c.aspect)}`);
    } else {
      drawSun(c, cx, cy, 0.05, hex('#fffbe9'), hex('#ffffff'));
      add(`a pale winter sun ${sidePhrase(cx, c.aspect)}`);
    }
    const snow = hex(night ? '#c9d6ea' : '#f7fbff');
    const far = mountainRidge(rng, c.aspect, 0.7, 0.48, 1.8);
    drawBelow(c, far, mix(sky[1], hex(night ? '#31456b' : '#7f97bb'), 0.65));
    drawSnowCaps(c, rng, far, 0.7 - 0.48 * 0.55, mix(sky[1], snow, 0.8));
    const mid = mountainRidge(rng, c.aspect, 0.77, 0.3, 2.6);
    drawBelow(c, mid, hex(night ? '#24324f' : '#5b7193'));
    drawSnowCaps(c, rng, mid, 0.77 - 0.3 * 0.6, snow);
    add('snow-capped mountains');
    const ground = rollingRidge(rng, 0.83, 0.03, 1.2);
    drawBelow(c, ground, { y0: 0.8, y1: 1, top: snow, bottom: hex(night ? '#8ea3c4' : '#c8d7ea') });
    add('snowy ground');
    const leaf = hex(night ? '#122a25' : '#1f4d3d'), bark = hex('#3b2a22');
    const drawnPines = Math.round(rng.range(4, 7) * c.aspect);
    const pines = controls.trees ?? drawnPines;
    attribute({ trees: pines });
    for (let i = 0; i < pines; i++) {
      const x = ((i + rng.range(0, 1)) / pines) * c.aspect;
      drawPine(c, x, ground(x) + 0.01, rng.range(0.2, 0.38), leaf, bark, snow);
    }
    add(countPhrase(pines, 'snow-dusted pine tree', 'snow-dusted pine trees'));
    const cabin = rng.chance(0.6);
    attribute({ structure: controls.structure ?? cabin });
    if (controls.structure ?? cabin) {
      const x = rng.range(0.2, c.aspect - 0.2);
      drawCabin(c, x, ground(x) + 0.015, 0.12, hex('#7a4b2e'), hex('#4a2e22'), hex('#ffcf6e'), snow);
      add('a wooden cabin with a lit window');
    }
    drawDots(c, rng, 90, 0, 1, 0.0045, hex('#ffffff'), 0.9);
    add('falling snowflakes');
    palette('cold blue and white palette');
  },
};
