import { RerankError } from './rerank-error.js';

/** The dynamic rank methods, with kohya resize_lora's meaning. */
export type DynamicMethod = 'sv_ratio' | 'sv_cumulative' | 'sv_fro';

/** How a layer's new rank is chosen: a fixed rank, or a dynamic criterion on its singular values. */
export type RankRule =
  | { readonly method: 'fixed'; readonly rank: number }
  | { readonly method: DynamicMethod; readonly param: number };

const DYNAMIC_METHODS: readonly DynamicMethod[] = ['sv_ratio', 'sv_cumulative', 'sv_fro'];

/** Parses `sv_fro:0.9`, `sv_ratio:4`, `sv_cumulative:0.8` (the CLI's `--dynamic` value). */
export function parseRankRule(text: string): RankRule {
  const match = /^([a-z_]+):([0-9.eE+-]+)$/.exec(text.trim());
  const method = match?.[1] as DynamicMethod | undefined;
  if (!match || !method || !DYNAMIC_METHODS.includes(method)) {
    throw new RerankError(`--dynamic "${text}": expected METHOD:PARAM with METHOD one of ${DYNAMIC_METHODS.join(', ')}`);
  }
  const rule: RankRule = { method, param: Number(match[2]) };
  validateRankRule(rule);
  return rule;
}

/** Throws a RerankError when a rule's parameter is outside its meaningful range. */
export function validateRankRule(rule: RankRule): void {
  if (rule.method === 'fixed') {
    if (!Number.isInteger(rule.rank) || rule.rank < 1) throw new RerankError(`rank ${rule.rank}: expected an integer >= 1`);
    return;
  }
  const { method, param } = rule;
  if (method === 'sv_ratio' ? !(param >= 1) : !(param > 0 && param <= 1)) {
    const expected = method === 'sv_ratio' ? '>= 1 (largest / smallest kept singular value)' : 'in (0, 1]';
    throw new RerankError(`${method}:${param}: expected a parameter ${expected}`);
  }
}
