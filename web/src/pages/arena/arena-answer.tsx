/** One side of a blind match: its label, the answer as it arrives, and after the vote the contender's name. */
import { useI18n } from '../../i18n/i18n-context.js';

export function ArenaAnswer({ side, text, name, winner, pending }: { side: 'A' | 'B'; text: string; name: string | null; winner: boolean; pending: boolean }) {
  const { t } = useI18n();
  return (
    <div className={`panel arena-side${winner ? ' arena-winner' : ''}`} data-testid={`arena-side-${side}`}>
      <header className="panel-head">
        <h2>{side === 'A' ? t('arena.modelA') : t('arena.modelB')}</h2>
        {name ? (
          <span className="arena-name chip chip-info" data-testid={`arena-name-${side}`}>
            {name}
          </span>
        ) : null}
      </header>
      <pre className="arena-answer" data-testid={`arena-answer-${side}`} aria-busy={pending}>
        {text}
        {pending ? <span className="cursor">▍</span> : null}
      </pre>
    </div>
  );
}
