/**
 * Each budget's spend this period against its limit, with the soft threshold marked on the bar. A budget refuses a
 * call as soon as what remains is less than the call's reservation, often well below 100 %: a budget the gateway
 * is refusing calls against, or one with nothing left, shows that state in red whatever its percentage.
 */
import type { BudgetStatus } from '../../api/types.js';
import { fmtMoney, fmtTime } from '../../components/format.js';
import { EmptyState } from '../../components/status-views.js';
import { useI18n } from '../../i18n/i18n-context.js';

function scopeText(b: BudgetStatus): string {
  const parts = Object.entries(b.scope).map(([k, v]) => `${k}=${v}`);
  return parts.length ? parts.join(', ') : '*';
}

/** What the card says of a budget: refusing (calls turned away lately), exhausted (nothing left), or neither. */
export function budgetState(b: BudgetStatus): 'refusing' | 'exhausted' | 'open' {
  return b.refusing ? 'refusing' : b.exhausted ? 'exhausted' : 'open';
}

export function BudgetCards({ budgets }: { budgets: readonly BudgetStatus[] }) {
  const { t, lang } = useI18n();
  if (budgets.length === 0) return <EmptyState>{t('spend.noBudgets')}</EmptyState>;
  return (
    <div className="cards">
      {budgets.map((b) => {
        const used = b.limit > 0 ? b.spent / b.limit : 0;
        const state = budgetState(b);
        const tone = state !== 'open' || used >= 1 ? 'bad' : used >= b.soft_ratio ? 'warn' : 'ok';
        return (
          <div key={b.name} className={`card${state !== 'open' ? ' card-bad' : ''}`} data-testid={`budget-${b.name}`} data-state={state}>
            <div className="card-head">
              <b>{b.name}</b>
              {state !== 'open' ? (
                <span className="chip chip-bad" data-testid={`budget-state-${b.name}`}>
                  {state === 'refusing' ? t('spend.refusing') : t('spend.exhausted')}
                </span>
              ) : null}
              <span className="muted small">
                {b.period === 'day' ? t('spend.perDay') : t('spend.perMonth')} · {b.period_key} · {scopeText(b)}
              </span>
            </div>
            <div className={`meter meter-${tone}`} role="meter" aria-valuemin={0} aria-valuemax={b.limit} aria-valuenow={b.spent}>
              <span className="meter-fill" style={{ width: `${Math.min(100, used * 100)}%` }} />
              <span className="meter-soft" style={{ left: `${b.soft_ratio * 100}%` }} />
            </div>
            <div className="small">
              {t('spend.spentOf', { spent: fmtMoney(b.spent, b.currency), limit: fmtMoney(b.limit, b.currency) })} ({(used * 100).toFixed(1)}%)
              {b.reserved > 0 ? <span className="muted"> · {t('spend.reserved', { amount: fmtMoney(b.reserved, b.currency) })}</span> : null}
            </div>
            {state !== 'open' ? (
              <div className="small text-bad" data-testid={`budget-refusal-${b.name}`}>
                {state === 'refusing'
                  ? t('spend.refusingHint', { n: b.refused ?? 0, at: b.last_refused_at ? fmtTime(b.last_refused_at, lang) : '—' })
                  : t('spend.exhaustedHint')}
              </div>
            ) : null}
          </div>
        );
      })}
    </div>
  );
}
