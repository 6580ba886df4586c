/**
 * Why an eval run stopped, in the page's language. The runner stores an English line of a few fixed shapes
 * (src/eval/runner.ts): interrupted, a cost cap reached, a budget the next call would exceed, a contender failing
 * calls in a row. A Chinese page says those from their parts; the English page, and a line of another shape, show it
 * as stored.
 */
import type { Lang, Translate } from '../../i18n/i18n-context.js';

export function stopReasonText(reason: string, t: Translate, lang: Lang): string {
  if (lang === 'en') return reason;
  if (reason === 'interrupted') return t('evals.stop.interrupted');
  const cap = /^cost cap reached: spent (.+) of (.+)$/.exec(reason);
  if (cap) return t('evals.stop.costCap', { spent: cap[1]!, cap: cap[2]! });
  const budget = /^budget '(.+)' would be exceeded by the next call$/.exec(reason);
  if (budget) return t('evals.stop.budget', { budget: budget[1]! });
  const failing = /^(.+) failed (\d+) calls in a row$/.exec(reason);
  if (failing) return t('evals.stop.failing', { contender: failing[1]!, n: failing[2]! });
  return reason;
}
