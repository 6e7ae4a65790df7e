/** How one option of a public function may look (see {@link checkOptions}). */
export type OptionRule =
  | { readonly kind: 'enum'; readonly values: readonly (string | number)[] }
  | { readonly kind: 'number'; readonly integer?: boolean; readonly min?: number; readonly max?: number; readonly above?: number; readonly below?: number }
  | { readonly kind: 'boolean' | 'string' | 'function' | 'object' | 'array' | 'iterable' | 'any' };

/** Rule builders: `{ to: option.oneOf(LORA_FORMATS), steps: option.integer({ min: 1 }) }`. */
export const option = {
  oneOf: (values: readonly (string | number)[]): OptionRule => ({ kind: 'enum', values }),
  number: (range: { min?: number; max?: number; above?: number; below?: number } = {}): OptionRule => ({ kind: 'number', ...range }),
  integer: (range: { min?: number; max?: number } = {}): OptionRule => ({ kind: 'number', integer: true, ...range }),
  boolean: { kind: 'boolean' } as OptionRule,
  string: { kind: 'string' } as OptionRule,
  function: { kind: 'function' } as OptionRule,
  object: { kind: 'object' } as OptionRule,
  array: { kind: 'array' } as OptionRule,
  iterable: { kind: 'iterable' } as OptionRule,
  any: { kind: 'any' } as OptionRule,
} as const;

function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

function expected(rule: OptionRule): string | null {
  switch (rule.kind) {
    case 'enum': return `one of ${rule.values.map((v) => (typeof v === 'string' ? v : String(v))).join(', ')}`;
    case 'number': {
      const parts = [rule.integer ? 'an integer' : 'a number'];
      if (rule.min !== undefined) parts.push(`>= ${rule.min}`);
      if (rule.above !== undefined) parts.push(`> ${rule.above}`);
      if (rule.max !== undefined) parts.push(`<= ${rule.max}`);
      if (rule.below !== undefined) parts.push(`< ${rule.below}`);
      return parts.join(' ');
    }
    case 'boolean': return 'true or false';
    case 'string': return 'a string';
    case 'function': return 'a function';
    case 'object': return 'an object';
    case 'array': return 'an array';
    case 'iterable': return 'a list';
    case 'any': return null;
  }
}

function fits(rule: OptionRule, v: unknown): boolean {
  switch (rule.kind) {
    case 'enum': return rule.values.includes(v as string | number);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v) && (!rule.integer || Number.isInteger(v)) && (rule.min === undefined || v >= rule.min)
        && (rule.max === undefined || v <= rule.max) && (rule.above === undefined || v > rule.above) && (rule.below === undefined || v < rule.below);
    case 'boolean': return typeof v === 'boolean';
    case 'string': return typeof v === 'string';
    case 'function': return typeof v === 'function';
    case 'object': return typeof v === 'object' && v !== null;
    case 'array': return Array.isArray(v);
    case 'iterable': return typeof v === 'object' && v !== null && Symbol.iterator in v;
    case 'any': return true;
  }
}

/**
 * Checks the options object of a public function the way the CLI checks its flags: it must be an object, every key
 * must be known, and each given (not undefined) value must fit its rule. Throws `makeError(message)` naming the function,
 * the option, what was found and what was expected, e.g. `convertLoraFile: option "to" is "onnx", expected one of ...`.
 */
export function checkOptions(where: string, options: unknown, rules: Readonly<Record<string, OptionRule>>, makeError: (message: string) => Error = (m) => new TypeError(m)): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw makeError(`${where}: options must be an object of named options (${Object.keys(rules).join(', ')}), got ${shown(options)}`);
  }
  for (const [key, value] of Object.entries(options)) {
    const rule = rules[key];
    if (!rule) throw makeError(`${where}: unknown option "${key}"; expected one of ${Object.keys(rules).join(', ')}`);
    if (value === undefined || fits(rule, value)) continue;
    throw makeError(`${where}: option "${key}" is ${shown(value)}, expected ${expected(rule)}`);
  }
}

/** Checks one positional argument against a rule (same message shape as {@link checkOptions}). */
export function checkArgument(where: string, name: string, value: unknown, rule: OptionRule, makeError: (message: string) => Error = (m) => new TypeError(m)): void {
  if (!fits(rule, value)) throw makeError(`${where}: ${name} is ${shown(value)}, expected ${expected(rule)}`);
}

/** Defaults overlaid with the options that are given (an option set to undefined keeps its default). */
export function withDefaults<D extends object, O extends object>(defaults: D, options: O | undefined): D & O {
  const given = Object.fromEntries(Object.entries(options ?? {}).filter(([, v]) => v !== undefined));
  return { ...defaults, ...given } as D & O;
}
