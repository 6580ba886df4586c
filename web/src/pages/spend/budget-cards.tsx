/** Each budget's spend this period against its limit, with the soft threshold marked on the bar. */
import type { BudgetStatus } from '../../api/types.js';
import { fmtMoney } from '../../components/format.js';
import { EmptyState } from '../../components/status-views.js';
import { useI18n } from '../../i18n/i18n-context.js';

function scopeText(b: BudgetStatus): string {
  const parts = Object.entries(b.scope).map(([k, v]) => `${k}=${v}`);
  return parts.length ? parts.join(', ') : '*';
}

export function BudgetCards({ budgets }: { budgets: readonly BudgetStatus[] }) {
  const { t } = useI18n();
  if (budgets.length === 0) return <EmptyState>{t('spend.noBudgets')}</EmptyState>;
  return (
    <div className="cards">
      {budgets.map((b) => {
        const used = b.limit > 0 ? b.spent / b.limit : 0;
        const tone = used >= 1 ? 'bad' : used >= b.soft_ratio ? 'warn' : 'ok';
        return (
          <div key={b.name} className="card" data-testid={`budget-${b.name}`}>
            <div className="card-head">
              <b>{b.name}</b>
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
          </div>
        );
      })}
    </div>
  );
}
