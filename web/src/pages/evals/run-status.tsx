/** A run's status as a coloured chip (running, done, stopped with its reason on hover). */
import type { EvalRunListItem } from '../../api/eval-types.js';
import { useI18n } from '../../i18n/i18n-context.js';
import { stopReasonText } from './stop-reason.js';

export function RunStatus({ run }: { run: Pick<EvalRunListItem, 'status' | 'stop_reason'> }) {
  const { t, lang } = useI18n();
  const tone = run.status === 'done' ? 'ok' : run.status === 'running' ? 'info' : 'warn';
  return (
    <span className={`chip chip-${tone}`} title={run.stop_reason ? stopReasonText(run.stop_reason, t, lang) : undefined} data-testid="run-status">
      {t(`evals.status.${run.status}`)}
    </span>
  );
}
