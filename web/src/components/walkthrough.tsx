/**
 * The demo's walkthrough: one or two sentences on each thing the current page shows, in the header's language,
 * with links to the other pages of the story. Dismissible; the "simulated" badge in the header brings it back.
 */
import { useState } from 'react';
import './walkthrough.css';
import type { MessageKey } from '../i18n/en.js';
import { useI18n } from '../i18n/i18n-context.js';
import { Link } from '../router/router.js';
import { setWalkthroughDismissed, walkthroughDismissed } from './walkthrough-mode.js';

const STEPS: ReadonlyArray<{ page: string; to: string; title: MessageKey; items: readonly MessageKey[] }> = [
  { page: '/races', to: '/races/assistant', title: 'walkthrough.races', items: ['walkthrough.races.split', 'walkthrough.races.markers', 'walkthrough.races.guardrails', 'walkthrough.races.decisions'] },
  { page: '/evals', to: '/evals', title: 'walkthrough.evals', items: ['walkthrough.evals.gap', 'walkthrough.evals.gate'] },
  { page: '/leaderboard', to: '/leaderboard', title: 'walkthrough.leaderboard', items: ['walkthrough.leaderboard.ci'] },
  { page: '/spend', to: '/spend', title: 'walkthrough.spend', items: ['walkthrough.spend.budget'] },
  { page: '/requests', to: '/requests', title: 'walkthrough.requests', items: ['walkthrough.requests.log'] },
  { page: '/arena', to: '/arena', title: 'walkthrough.arena', items: ['walkthrough.arena.blind'] },
];

export function Walkthrough({ path, onClose }: { path: string; onClose: () => void }) {
  const { t } = useI18n();
  // A page the story has no step for shows the story and the links, never another page's text.
  const here = STEPS.find((s) => path.startsWith(s.page)) ?? null;
  return (
    <aside className="panel walkthrough" data-testid="walkthrough" aria-label={t('walkthrough.title')}>
      <header className="panel-head">
        <div>
          <h2>
            <span className="badge badge-simulated">{t('walkthrough.simulated')}</span> {t('walkthrough.title')}
          </h2>
          <p className="muted small">{t('walkthrough.story')}</p>
        </div>
        <button type="button" className="btn btn-ghost btn-small" onClick={onClose} data-testid="walkthrough-close">
          {t('common.close')}
        </button>
      </header>
      {here ? (
        <>
          <h3 className="walkthrough-page">{t(here.title)}</h3>
          <ul className="walkthrough-items">
            {here.items.map((k) => (
              <li key={k}>{t(k)}</li>
            ))}
          </ul>
        </>
      ) : null}
      <nav className="walkthrough-next small" aria-label={t('walkthrough.title')}>
        {STEPS.filter((s) => s !== here).map((s) => (
          <Link key={s.page} to={s.to} className="walkthrough-link">
            {t(s.title)} →
          </Link>
        ))}
      </nav>
    </aside>
  );
}

/** The walkthrough with its open/closed state, kept for the tab. */
export function useWalkthrough(): { open: boolean; show: () => void; hide: () => void } {
  const [open, setOpen] = useState(() => !walkthroughDismissed());
  return {
    open,
    show: () => {
      setWalkthroughDismissed(false);
      setOpen(true);
    },
    hide: () => {
      setWalkthroughDismissed(true);
      setOpen(false);
    },
  };
}
