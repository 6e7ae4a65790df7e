/** A module-name pattern: a RegExp (searched), a glob with `*` / `**` / `?` (whole name), or a plain name (PEFT rule: equal or a `.`-suffix). */
export type NamePattern = string | RegExp;

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i];
    if (ch === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (ch === '*') re += '[^.]*';
    else if (ch === '?') re += '[^.]';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Whether a dotted module name matches a pattern. */
export function matchesName(name: string, pattern: NamePattern): boolean {
  if (pattern instanceof RegExp) {
    pattern.lastIndex = 0;
    return pattern.test(name);
  }
  if (/[*?]/.test(pattern)) return globToRegExp(pattern).test(name);
  return name === pattern || name.endsWith(`.${pattern}`);
}

/** Whether a name matches any of the patterns. */
export function matchesAny(name: string, patterns: readonly NamePattern[]): boolean {
  return patterns.some((p) => matchesName(name, p));
}
