/** The items a contender did worst on, with its answer to the original next to its answer to the twin. */
import type { WorstItem } from '../../api/eval-types.js';
import { DataTable } from '../../components/data-table.js';
import { fmtPct } from '../../components/format.js';
import { useI18n } from '../../i18n/i18n-context.js';
import { twinNote } from './twin-note.js';

export function WorstItems({ items }: { items: readonly WorstItem[] }) {
  const { t, lang } = useI18n();
  return (
    <DataTable
      columns={[{ label: t('evals.item') }, { label: t('common.contender') }, { label: t('evals.expected') }, { label: t('evals.originalAnswer') }, { label: t('evals.twinAnswer') }]}
      testId="worst-items"
    >
      {items.map((w) => (
        <tr key={`${w.contender}|${w.item_id}|${w.kind}`} data-testid="worst-item">
          <td>
            <div className="strong mono small">{w.item_id}</div>
            <div className="small clamp">{w.question}</div>
            <span className="badge">{w.kind}</span>
          </td>
          <td>{w.contender}</td>
          <td className="mono small">{w.expected ?? '—'}</td>
          <td>
            <span className={`chip chip-${w.original_pass >= 0.5 ? 'ok' : 'bad'}`}>{fmtPct(w.original_pass, 0)}</span>
            <pre className="text-block small">{w.original_answer ?? '—'}</pre>
          </td>
          <td>
            {w.twin_pass !== null ? <span className={`chip chip-${w.twin_pass >= 0.5 ? 'ok' : 'bad'}`}>{fmtPct(w.twin_pass, 0)}</span> : null}
            {w.note ? <span className="muted small mono" data-testid="twin-note">{twinNote(w.note, t, lang)}</span> : null}
            <div className="small clamp muted" title={w.twin_question}>
              {w.twin_question}
            </div>
            <pre className="text-block small">{w.twin_answer ?? '—'}</pre>
          </td>
        </tr>
      ))}
    </DataTable>
  );
}
