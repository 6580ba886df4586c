/**
 * A refusal's reason in the page's language. The gateway stores the message the client read (English, as the API
 * answers); the refusals it writes have a few fixed shapes, said here from their parts on a Chinese page. The English
 * page, and a message of another shape, show the stored text.
 */
import type { Lang, Translate } from '../../i18n/i18n-context.js';

export function refusalMessage(message: string, t: Translate, lang: Lang): string {
  if (lang === 'en') return message;
  const budget = /^Budget '(.+)' is spent for this period\.$/.exec(message);
  if (budget) return t('req.msg.budgetSpent', { budget: budget[1]! });
  if (message === 'A budget of this key or team is spent; no match was made.') return t('req.msg.matchBudget');
  const limit = /^Rate limit reached for (requests|tokens|feedback and votes) per minute\.$/.exec(message);
  if (limit) return t(limit[1] === 'requests' ? 'req.msg.rpm' : limit[1] === 'tokens' ? 'req.msg.tpm' : 'req.msg.evidenceRpm');
  return message;
}

/** The short label of a refusal's code. */
export function refusalLabel(code: string, t: Translate): string {
  return code === 'budget_exceeded' || code === 'rate_limit_exceeded' ? t(`req.code.${code}`) : code;
}
