/** The race's audit log: newest first, with who acted, why, and the numbers behind it. */
import type { Decision } from '../../api/types.js';
import { DataTable } from '../../components/data-table.js';
import { fmtTime } from '../../components/format.js';
import { EmptyState } from '../../components/status-views.js';
import { useI18n } from '../../i18n/i18n-context.js';
import { DecisionEvidence, hasEvidence } from './decision-evidence.js';
import { changeLines, decisionColor, decisionLabel } from './decision-text.js';
import { decisionReason } from './reason-text.js';

export function DecisionsTable({ decisions }: { decisions: readonly Decision[] }) {
  const { t, lang } = useI18n();
  if (decisions.length === 0) return <EmptyState>{t('races.noDecisions')}</EmptyState>;
  return (
    <DataTable
      columns={[{ label: t('common.time') }, { label: t('races.action') }, { label: t('common.contender') }, { label: t('common.reason') }, { label: t('races.details') }, { label: t('races.actor') }]}
      testId="decisions-table"
    >
      {decisions.map((d) => (
        <tr key={d.id} data-testid="decision-row">
          <td className="nowrap">{fmtTime(d.ts, lang)}</td>
          <td className="nowrap">
            <span className="dot" style={{ background: decisionColor(d) }} aria-hidden="true" /> {decisionLabel(d, t)}
          </td>
          <td className="nowrap">{d.contender ?? '—'}</td>
          <td data-testid="decision-reason">{decisionReason(d, t, lang) ?? '—'}</td>
          <td className="small">
            {hasEvidence(d.details) ? (
              <details>
                <summary>{t('races.ev.show')}</summary>
                <DecisionEvidence details={d.details} />
              </details>
            ) : (
              <span className="mono">{changeLines(d.details, t).join(' · ') || '—'}</span>
            )}
          </td>
          <td className="small">{d.actor ?? t('races.monitor')}</td>
        </tr>
      ))}
    </DataTable>
  );
}
