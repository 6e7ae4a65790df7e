import type { RankRule } from './rank-rule.js';

/**
 * Slack on the cumulative criteria so a spectrum that reaches the target exactly in exact
 * arithmetic (e.g. [1, 1, 1, 1] with sv_cumulative 0.5) is not pushed one rank up by rounding.
 */
const REACH_SLACK = 1e-12;

/**
 * Number of singular values a rule keeps, before padding.
 *
 * `s` is descending and holds only the non-zero values. The answer k is the smallest count with:
 * - `sv_ratio: p`       every kept value satisfies `s[i] >= s[0] / p` (largest/smallest kept <= p);
 * - `sv_cumulative: p`  `sum(s[0..k)) / sum(s) >= p`;
 * - `sv_fro: p`         `sqrt(sum(s[0..k)^2) / sum(s^2)) >= p`, i.e. the kept part holds at least
 *                       p of the Frobenius norm (p^2 of the energy).
 * Unlike kohya's resize_lora (which clamps to `len(S) - 1`), k may equal the number of values, and is
 * then capped by `maxRank`. Returns 0 for an all-zero layer under a dynamic rule.
 */
export function chooseRank(s: ArrayLike<number>, rule: RankRule, maxRank = Infinity): number {
  if (rule.method === 'fixed') return Math.min(rule.rank, maxRank);
  const n = s.length;
  if (n === 0 || !(s[0] > 0)) return 0;
  let k = n;
  if (rule.method === 'sv_ratio') {
    const floor = s[0] / rule.param;
    k = 0;
    while (k < n && s[k] >= floor * (1 - REACH_SLACK)) k++;
  } else {
    const power = rule.method === 'sv_fro' ? 2 : 1;
    const target = rule.method === 'sv_fro' ? rule.param * rule.param : rule.param;
    let total = 0;
    for (let i = 0; i < n; i++) total += s[i] ** power;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      sum += s[i] ** power;
      if (sum / total >= target - REACH_SLACK) {
        k = i + 1;
        break;
      }
    }
  }
  return Math.min(k, maxRank);
}
