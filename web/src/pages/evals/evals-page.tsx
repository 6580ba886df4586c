/** Eval runs, newest first, with live progress for the ones still running. */
import { useEffect, useState } from 'react';
import type { EvalRunListItem } from '../../api/eval-types.js';
import { useApi } from '../../api/use-api.js';
import type { List } from '../../api/types.js';
import { fmtTime } from '../../components/format.js';
import { Panel } from '../../components/panel.js';
import { DataTable } from '../../components/data-table.js';
import { DataView } from '../../components/data-view.js';
import { useI18n } from '../../i18n/i18n-context.js';
import { Link } from '../../router/router.js';
import { GateVerdicts } from './gate-verdicts.js';
import { RunStatus } from './run-status.js';

export function EvalsPage() {
  const { t, lang } = useI18n();
  // Poll fast only while a run is running: reports are computed on the server for those.
  const [live, setLive] = useState(true);
  const runs = useApi<List<EvalRunListItem>>('/admin/evals', { refreshMs: live ? 3000 : 30000 });
  useEffect(() => {
    if (runs.data) setLive(runs.data.data.some((r) => r.status === 'running'));
  }, [runs.data]);
  const columns = [{ label: t('evals.label') }, { label: t('common.status') }, { label: t('evals.progress') }, { label: t('common.contender') }, { label: t('evals.created') }];
  const body = (
    <DataView
      state={runs}
      unavailable={{ text: t('evals.unavailable'), testId: 'evals-unavailable' }}
      empty={{ when: (d) => d.data.length === 0, text: t('evals.empty'), testId: 'evals-empty' }}
    >
      {(data) => (
        <DataTable columns={columns} testId="evals-table">
          {data.data.map((r) => (
            <tr key={r.id} data-testid={`eval-run-${r.id}`}>
              <td>
                <Link to={`/evals/${encodeURIComponent(r.id)}`} className="strong">
                  {r.label}
                </Link>
                <div className="muted small mono">{r.id}</div>
              </td>
              <td>
                <RunStatus run={r} />
              </td>
              <td>
                <div className="progress" title={`${r.progress.done}/${r.progress.total}`}>
                  <span style={{ width: `${r.progress.total > 0 ? (r.progress.done / r.progress.total) * 100 : 0}%` }} />
                </div>
                <span className="muted small">
                  {r.progress.done}/{r.progress.total}
                </span>
              </td>
              <td>{r.contenders.join(', ')}</td>
              <td className="nowrap">{fmtTime(r.created_at, lang)}</td>
            </tr>
          ))}
        </DataTable>
      )}
    </DataView>
  );
  return (
    <div className="stack" data-testid="evals-page">
      <h1>{t('evals.title')}</h1>
      <GateVerdicts />
      <Panel title={t('evals.title')}>{body}</Panel>
    </div>
  );
}
