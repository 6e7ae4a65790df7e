// A 3x5 pixel font drawn for this project so report grids can carry labels without system fonts.
// Each glyph is five rows of three cells; '#' is ink. Lower case prints as upper case.
const GLYPHS: Record<string, string> = {
  A: '.#.#.#####.##.#', B: '##.#.###.#.###.', C: '.###..#..#...##', D: '##.#.##.##.###.', E: '####..####..###',
  F: '####..####..#..', G: '.###..#.##.#.##', H: '#.##.#####.##.#', I: '###.#..#..#.###', J: '..#..#..##.#.#.',
  K: '#.##.###.#.##.#', L: '#..#..#..#..###', M: '#.#####.##.##.#', N: '##.#.##.##.##.#', O: '.#.#.##.##.#.#.',
  P: '##.#.###.#..#..', Q: '.#.#.##.##.#.##', R: '##.#.###.#.##.#', S: '.###...#...###.', T: '###.#..#..#..#.',
  U: '#.##.##.##.#.##', V: '#.##.##.##.#.#.', W: '#.##.##.#####.#', X: '#.##.#.#.#.##.#', Y: '#.##.#.#..#..#.',
  Z: '###..#.#.#..###',
  0: '.#.#.##.##.#.#.', 1: '.#.##..#..#.###', 2: '##...#.#.#..###', 3: '##...#.#...###.', 4: '#.##.####..#..#',
  5: '####..##...###.', 6: '.###..##.#.#.#.', 7: '###..#.#..#..#.', 8: '.#.#.#.#.#.#.#.', 9: '.#.#.#.##..###.',
  '.': '............#..', ',': '..........#.#..', ':': '....#.....#....', '-': '......###......', '_': '............###',
  '/': '..#..#.#.#..#..', '(': '.#.#..#..#...#.', ')': '.#...#..#..#.#.', '%': '#.#..#.#.#..#.#', '=': '...###...###...',
  '+': '....#.###.#....', '#': '#.####.#.####.#', "'": '.#..#..........', '!': '.#..#..#.....#.', '?': '##...#.#.....#.',
  '@': '.#.#.####.#..##', '[': '##.#..#..#..##.', ']': '.##..#..#..#.##', '*': '...#.#.#.#.#...', ' ': '...............',
};

/** Glyph width in font pixels (one more pixel of spacing follows each glyph). */
export const FONT_GLYPH_WIDTH = 3;
/** Glyph height in font pixels. */
export const FONT_GLYPH_HEIGHT = 5;

/** Whether font pixel (gx, gy) of a character is ink; unknown characters print as '?'. */
export function glyphInk(char: string, gx: number, gy: number): boolean {
  const g = GLYPHS[char.toUpperCase()] ?? GLYPHS['?'];
  return g[gy * 3 + gx] === '#';
}

/** Draws text into an interleaved 8-bit buffer at integer scale, clipped to maxWidth pixels. */
export function drawText(
  data: Uint8Array, width: number, channels: number, text: string, x0: number, y0: number, scale: number, color: readonly number[], maxWidth: number,
): void {
  const advance = (FONT_GLYPH_WIDTH + 1) * scale;
  const height = data.length / (width * channels);
  for (let k = 0; k < text.length; k++) {
    const gx0 = x0 + k * advance;
    if (gx0 + FONT_GLYPH_WIDTH * scale > x0 + maxWidth) break;
    for (let gy = 0; gy < FONT_GLYPH_HEIGHT; gy++) {
      for (let gx = 0; gx < FONT_GLYPH_WIDTH; gx++) {
        if (!glyphInk(text[k], gx, gy)) continue;
        for (let sy = 0; sy < scale; sy++) {
          const py = y0 + gy * scale + sy;
          if (py < 0 || py >= height) continue;
          for (let sx = 0; sx < scale; sx++) {
            const px = gx0 + gx * scale + sx;
            if (px < 0 || px >= width) continue;
            const i = (py * width + px) * channels;
            for (let c = 0; c < Math.min(3, channels); c++) data[i + c] = color[c];
          }
        }
      }
    }
  }
}
