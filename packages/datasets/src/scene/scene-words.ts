const NUMBERS = ['no', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve'];

/** "on the left" / "in the centre" / "on the right" for a unit-space x, so captions say where things are. */
export function sidePhrase(x: number, aspect: number): string {
  const t = x / aspect;
  return t < 0.36 ? 'on the left' : t > 0.64 ? 'on the right' : 'in the centre';
}

/** A count in words ("three cacti"; "a cactus" for one; digits above twelve). */
export function countPhrase(n: number, singular: string, plural: string): string {
  if (n === 1) return `${/^[aeiou]/i.test(singular) ? 'an' : 'a'} ${singular}`;
  return `${n <= 12 ? NUMBERS[n] : String(n)} ${plural}`;
}
