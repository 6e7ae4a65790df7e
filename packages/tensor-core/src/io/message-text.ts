/** At most `max` characters of `text`, JSON-quoted, for error messages built from untrusted input. */
export function quoteForMessage(text: string, max = 80): string {
  const cut = text.length > max ? `${text.slice(0, max)}...` : text;
  return JSON.stringify(cut);
}

/** A shape as `[a, b, c]`, shortened past `max` dimensions, for error messages about untrusted files. */
export function shapeForMessage(shape: readonly number[], max = 8): string {
  return shape.length > max ? `[${shape.slice(0, max).join(',')},... (${shape.length} dims)]` : `[${shape.join(',')}]`;
}
