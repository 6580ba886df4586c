/** A titled card: the building block of every page. */
import type { ReactNode } from 'react';

export function Panel({ title, hint, actions, children, testId }: { title: string; hint?: string; actions?: ReactNode; children: ReactNode; testId?: string }) {
  return (
    <section className="panel" data-testid={testId}>
      <header className="panel-head">
        <div>
          <h2>{title}</h2>
          {hint ? <p className="muted small">{hint}</p> : null}
        </div>
        {actions ? <div className="panel-actions">{actions}</div> : null}
      </header>
      {children}
    </section>
  );
}
