const PLACEHOLDER = /\[trigger\]/gi;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function tidy(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/\s+,/g, ',').replace(/,(\s*,)+/g, ',').replace(/^[\s,]+|[\s,]+$/g, '').trim();
}

/** Whether `text` contains `phrase` as a whole phrase (case-insensitive, not inside a longer word). */
export function containsPhrase(text: string, phrase: string): boolean {
  const p = phrase.trim();
  if (!p) return true;
  return new RegExp(`(^|[^\\p{L}\\p{N}_])${escapeRegExp(p)}($|[^\\p{L}\\p{N}_])`, 'iu').test(text);
}

function parts(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter(Boolean);
}

/**
 * Puts the trigger into a caption exactly once: a `[trigger]` placeholder is replaced (extra placeholders removed);
 * otherwise a caption that already contains the trigger is kept; otherwise the trigger is prepended, dropping leading
 * comma-separated parts that repeat the trigger's own parts (so "maplestorybg, a 2D side scrolling background" before
 * "a 2D side scrolling background, desert" does not say the phrase twice). An empty trigger removes placeholders.
 */
export function insertTrigger(caption: string, trigger: string): string {
  const t = tidy(trigger);
  const text = caption.trim();
  if (/\[trigger\]/i.test(text)) {
    let first = true;
    const replaced = text.replace(PLACEHOLDER, () => {
      const value = first ? t : '';
      first = false;
      return value;
    });
    return tidy(replaced);
  }
  if (!t) return tidy(text);
  if (containsPhrase(text, t)) return tidy(text);
  const triggerParts = parts(t).map((p) => p.toLowerCase());
  const rest = parts(text);
  while (rest.length && triggerParts.includes(rest[0].toLowerCase())) rest.shift();
  return tidy([t, rest.join(', ')].join(', '));
}
