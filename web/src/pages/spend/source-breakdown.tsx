/**
 * Spend by source over the page's range: served calls (`gateway`) beside what the platform spends on its own
 * behalf (shadow copies, eval runs, gates, arena answers, judges). Every known source has a row, so a zero reads as
 * "none" rather than "not shown".
 */
import type { SpendGroup } from '../../api/types.js';
import { fmtInt, fmtMoney } from '../../components/format.js';
import { useI18n } from '../../i18n/i18n-context.js';

export const SOURCES = ['gateway', 'shadow', 'eval', 'gate', 'arena', 'judge'] as const;

interface Row {
  source: string;
  requests: number;
  cost: Map<string, number>;
}

export function sourceRows(groups: readonly SpendGroup[]): Row[] {
  const rows = new Map<string, Row>(SOURCES.map((s) => [s, { source: s, requests: 0, cost: new Map() }]));
  for (const g of groups) {
    const source = g.key.source ?? 'gateway';
    let r = rows.get(source);
    if (!r) rows.set(source, (r = { source, requests: 0, cost: new Map() }));
    r.requests += g.requests;
    r.cost.set(g.currency, (r.cost.get(g.currency) ?? 0) + g.cost);
  }
  return [...rows.values()];
}

export function SourceBreakdown({ groups }: { groups: readonly SpendGroup[] }) {
  const { t, lang } = useI18n();
  const rows = sourceRows(groups);
  const currencies = [...new Set(groups.map((g) => g.currency))].sort();
  if (currencies.length === 0) currencies.push('CNY');
  const label = (s: string) => ((SOURCES as readonly string[]).includes(s) ? t(`spend.source.${s}` as 'spend.source.gateway') : s);
  return (
    <div className="table-wrap">
      <table className="table" data-testid="spend-sources">
        <thead>
          <tr>
            <th>{t('spend.sourceCol')}</th>
            <th className="num">{t('common.requests')}</th>
            {currencies.map((c) => (
              <th key={c} className="num">
                {t('common.cost')} ({c})
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.source} data-testid={`spend-source-${r.source}`} data-requests={r.requests} className={r.requests === 0 ? 'muted' : undefined}>
              <td>
                {label(r.source)} <span className="muted small mono" translate="no">{r.source}</span>
              </td>
              <td className="num">{fmtInt(r.requests, lang)}</td>
              {currencies.map((c) => (
                <td key={c} className="num">
                  {fmtMoney(r.cost.get(c) ?? 0, c)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
