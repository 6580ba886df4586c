/** The top bar: brand, page links, who is signed in, the language switch and log-out. */
import { useI18n, type Lang } from '../i18n/i18n-context.js';
import type { MessageKey } from '../i18n/en.js';
import { Link } from '../router/router.js';
import { useSession } from '../session/session-context.js';

export const PAGES: ReadonlyArray<{ path: string; label: MessageKey }> = [
  { path: '/races', label: 'nav.races' },
  { path: '/leaderboard', label: 'nav.leaderboard' },
  { path: '/evals', label: 'nav.evals' },
  { path: '/spend', label: 'nav.spend' },
  { path: '/requests', label: 'nav.requests' },
  { path: '/arena', label: 'nav.arena' },
];

export function LanguageSwitch() {
  const { lang, setLang, t } = useI18n();
  return (
    <label className="lang-switch">
      <span className="sr-only">{t('header.language')}</span>
      <select value={lang} onChange={(e) => setLang(e.target.value as Lang)} data-testid="lang-switch" aria-label={t('header.language')}>
        <option value="zh">中文</option>
        <option value="en">English</option>
      </select>
    </label>
  );
}

/** `onShowWalkthrough`: set in demo mode, where a "simulated" badge says so and reopens the walkthrough. */
export function Header({ path, onShowWalkthrough }: { path: string; onShowWalkthrough?: () => void }) {
  const { t } = useI18n();
  const { session, logout } = useSession();
  return (
    <header className="topbar">
      <Link to="/races" className="brand">
        <span className="brand-mark" aria-hidden="true">◆</span> {t('app.name')}
      </Link>
      <nav className="nav" aria-label="main">
        {PAGES.map((p) => (
          <Link key={p.path} to={p.path} className={path.startsWith(p.path) ? 'nav-link active' : 'nav-link'} testId={`nav-${p.path.slice(1)}`}>
            {t(p.label)}
          </Link>
        ))}
      </nav>
      <div className="topbar-right">
        {onShowWalkthrough ? (
          <button type="button" className="badge badge-simulated badge-button" onClick={onShowWalkthrough} data-testid="demo-badge" title={t('walkthrough.title')}>
            {t('walkthrough.show')}
          </button>
        ) : null}
        {session?.info.team ? <span className="who muted small">{t('header.team', { team: session.info.team })}</span> : null}
        {session?.info.admin ? <span className="badge">{t('header.admin')}</span> : null}
        <LanguageSwitch />
        <button type="button" className="btn btn-ghost btn-small" onClick={logout} data-testid="logout">
          {t('header.logout')}
        </button>
      </div>
    </header>
  );
}
