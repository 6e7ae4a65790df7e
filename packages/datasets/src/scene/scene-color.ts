/** An RGB colour with components in [0, 1]. */
export type Color = readonly [number, number, number];

/** Parses `#rrggbb` into a Color. */
export function hex(code: string): Color {
  const v = Number.parseInt(code.slice(1), 16);
  return [((v >> 16) & 255) / 255, ((v >> 8) & 255) / 255, (v & 255) / 255];
}

/** Linear interpolation between two colours (t = 0 gives a, t = 1 gives b). */
export function mix(a: Color, b: Color, t: number): Color {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

/** Multiplies a colour's components, clamped to [0, 1] (shading). */
export function shade(c: Color, factor: number): Color {
  return [Math.min(1, c[0] * factor), Math.min(1, c[1] * factor), Math.min(1, c[2] * factor)];
}

/** Colour at position t of a list of [position, colour] stops sorted by position. */
export function colorAt(stops: readonly (readonly [number, Color])[], t: number): Color {
  if (t <= stops[0][0]) return stops[0][1];
  for (let i = 1; i < stops.length; i++) {
    const [p1, c1] = stops[i];
    if (t <= p1) {
      const [p0, c0] = stops[i - 1];
      return mix(c0, c1, (t - p0) / (p1 - p0 || 1));
    }
  }
  return stops[stops.length - 1][1];
}
