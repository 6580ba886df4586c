/** The spend report's rows: day × stack × currency with requests, tokens and cost, and a total per currency. */
import type { SpendGroup } from '../../api/types.js';
import { fmtInt, fmtMoney } from '../../components/format.js';
import { useI18n } from '../../i18n/i18n-context.js';
import type { StackBy } from './spend-series.js';

export function SpendTable({ groups, by }: { groups: readonly SpendGroup[]; by: StackBy }) {
  const { t, lang } = useI18n();
  const totals = new Map<string, { requests: number; cost: number }>();
  for (const g of groups) {
    const s = totals.get(g.currency) ?? { requests: 0, cost: 0 };
    totals.set(g.currency, { requests: s.requests + g.requests, cost: s.cost + g.cost });
  }
  const rows = [...groups].sort((a, b) => String(b.key.day).localeCompare(String(a.key.day)) || b.cost - a.cost);
  return (
    <div className="table-wrap">
      <table className="table" data-testid="spend-table">
        <thead>
          <tr>
            <th>{t('spend.day')}</th>
            <th>{by === 'team' ? t('common.team') : by === 'source' ? t('spend.sourceCol') : t('common.contender')}</th>
            <th className="num">{t('common.requests')}</th>
            <th className="num">{t('spend.promptTokens')}</th>
            <th className="num">{t('spend.completionTokens')}</th>
            <th className="num">{t('common.cost')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((g) => (
            <tr key={`${g.key.day}|${g.key[by]}|${g.currency}`}>
              <td className="nowrap">{g.key.day}</td>
              <td>{g.key[by] ?? '—'}</td>
              <td className="num">{fmtInt(g.requests, lang)}</td>
              <td className="num">{fmtInt(g.prompt_tokens, lang)}</td>
              <td className="num">{fmtInt(g.completion_tokens, lang)}</td>
              <td className="num">{fmtMoney(g.cost, g.currency)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          {[...totals].map(([cur, s]) => (
            <tr key={cur}>
              <td colSpan={2} className="strong">
                {t('spend.total')} ({cur})
              </td>
              <td className="num strong">{fmtInt(s.requests, lang)}</td>
              <td colSpan={2} />
              <td className="num strong" data-testid={`spend-total-${cur}`}>
                {fmtMoney(s.cost, cur)}
              </td>
            </tr>
          ))}
        </tfoot>
      </table>
    </div>
  );
}
