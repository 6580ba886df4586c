/** One side of a blind match: its label, the answer as it streams in (or how it failed), and after the vote the contender's name. */
import { useI18n } from '../../i18n/i18n-context.js';
import type { SideState } from './match-round.js';

export function ArenaAnswer({ side, text, state, name, winner }: { side: 'A' | 'B'; text: string; state: SideState; name: string | null; winner: boolean }) {
  const { t } = useI18n();
  const pending = state === 'streaming';
  return (
    <div className={`panel arena-side${winner ? ' arena-winner' : ''}`} data-testid={`arena-side-${side}`} data-state={state}>
      <header className="panel-head">
        <h2>{side === 'A' ? t('arena.modelA') : t('arena.modelB')}</h2>
        {name ? (
          <span className="arena-name chip chip-info" data-testid={`arena-name-${side}`}>
            {name}
          </span>
        ) : null}
      </header>
      <pre className="arena-answer" data-testid={`arena-answer-${side}`} aria-busy={pending} aria-live="polite">
        {text}
        {pending ? <span className="cursor">▍</span> : null}
      </pre>
      {state === 'failed' ? (
        <p className="chip chip-bad" data-testid={`arena-failed-${side}`}>
          {t('arena.sideFailed')}
        </p>
      ) : null}
    </div>
  );
}
