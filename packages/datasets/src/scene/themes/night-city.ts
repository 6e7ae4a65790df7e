import { placementOf, placeOnSide } from '../scene-controls.js';
import { drawMoon, drawStars } from '../scene-sky.js';
import { hex } from '../scene-color.js';
import { drawRain } from '../scene-particles.js';
import { drawSkyscraper } from '../scene-structures.js';
import type { SceneTheme } from '../scene-theme.js';
import { countPhrase, sidePhrase } from '../scene-words.js';

/** Night city: layered skyscraper skylines with lit windows and neon under a purple sky. */
export const nightCityTheme: SceneTheme = {
  id: 'night-city',
  title: 'night city',
  description: 'a dark purple sky, a crescent moon, three layers of skyscrapers with lit windows, neon signs',
  controls: ['celestial'],
  draw({ canvas: c, rng, add, mood, palette, controls, attribute }) {
    mood('late night');
    c.fillGradient([[0, hex('#080920')], [0.55, hex('#24164a')], [1, hex('#5a2a6c')]]);
    drawStars(c, rng, 50, hex('#e8e4ff'), 0.45);
    add('starry night sky');
    const moonX = placeOnSide(rng.range(0.15, c.aspect - 0.15), 0.15, c.aspect - 0.15, c.aspect, controls.celestial);
    const moonY = rng.range(0.1, 0.22);
    drawMoon(c, moonX, moonY, 0.05, hex('#f7efc8'), true);
    attribute({ celestial: { kind: 'moon', x: moonX / c.aspect, y: moonY, placement: placementOf(moonX / c.aspect) }, night: true });
    add(`a crescent moon ${sidePhrase(moonX, c.aspect)}`);
    const layers = [
      { wall: '#2b2455', light: '#8a78cc', lit: 0.2, ground: 0.8, h: [0.3, 0.55], w: [0.06, 0.12] },
      { wall: '#1b1639', light: '#ffd56b', lit: 0.3, ground: 0.88, h: [0.22, 0.45], w: [0.07, 0.13] },
      { wall: '#110d24', light: '#ffcf5c', lit: 0.4, ground: 0.95, h: [0.15, 0.35], w: [0.09, 0.16] },
    ];
    for (const layer of layers) {
      let x = -rng.range(0, 0.05);
      while (x < c.aspect) {
        const w = rng.range(layer.w[0], layer.w[1]);
        drawSkyscraper(c, rng, x, layer.ground, w, rng.range(layer.h[0], layer.h[1]), hex(layer.wall), hex(layer.light), layer.lit);
        x += w + rng.range(0, 0.03);
      }
    }
    add('skyscrapers with lit windows');
    const signs = Math.max(1, Math.round(rng.range(1.5, 3) * c.aspect));
    for (let i = 0; i < signs; i++) {
      const color = hex(rng.pick(['#ff3fa4', '#3fe0ff', '#b44bff']));
      const x = rng.range(0, c.aspect), y = rng.range(0.7, 0.88);
      c.glow(x + 0.02, y + 0.01, 0.08, color, 0.35);
      c.rect(x, y, 0.04, 0.018);
      c.paint(color);
    }
    add(countPhrase(signs, 'glowing neon sign', 'glowing neon signs'));
    c.rect(0, 0.95, c.aspect, 0.05);
    c.paint(hex('#0b0918'));
    add('a dark street');
    if (rng.chance(0.5)) {
      drawRain(c, rng, 120, hex('#9fa8e8'), 0.35);
      add('light rain');
    }
    palette('dark purple and neon palette');
  },
};
