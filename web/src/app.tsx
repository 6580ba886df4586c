/** The dashboard shell: session gate, header, and the page for the current path. Pages load on first visit. */
import { lazy, Suspense, useEffect, useState } from 'react';
import { Header } from './components/header.js';
import { watchScrollCues } from './components/scroll-cues.js';
import { Loading } from './components/status-views.js';
import { Walkthrough, useWalkthrough } from './components/walkthrough.js';
import { isDemo } from './components/walkthrough-mode.js';
import { I18nProvider, useI18n } from './i18n/i18n-context.js';
import { LoginPage } from './pages/login/login-page.js';
import { matchPath, navigate, usePath } from './router/router.js';
import { SessionProvider, useSession } from './session/session-context.js';

const RacesPage = lazy(() => import('./pages/races/races-page.js').then((m) => ({ default: m.RacesPage })));
const LeaderboardPage = lazy(() => import('./pages/leaderboard/leaderboard-page.js').then((m) => ({ default: m.LeaderboardPage })));
const EvalsPage = lazy(() => import('./pages/evals/evals-page.js').then((m) => ({ default: m.EvalsPage })));
const EvalRunPage = lazy(() => import('./pages/evals/eval-run-page.js').then((m) => ({ default: m.EvalRunPage })));
const SpendPage = lazy(() => import('./pages/spend/spend-page.js').then((m) => ({ default: m.SpendPage })));
const RequestsPage = lazy(() => import('./pages/requests/requests-page.js').then((m) => ({ default: m.RequestsPage })));
const ArenaPage = lazy(() => import('./pages/arena/arena-page.js').then((m) => ({ default: m.ArenaPage })));

function Page({ path }: { path: string }) {
  let m: Record<string, string> | null;
  if ((m = matchPath('/races/:name', path))) return <RacesPage name={m.name ?? null} />;
  if (matchPath('/races', path)) return <RacesPage name={null} />;
  if (matchPath('/leaderboard', path)) return <LeaderboardPage />;
  if ((m = matchPath('/evals/:run', path))) return <EvalRunPage id={m.run ?? ''} />;
  if (matchPath('/evals', path)) return <EvalsPage />;
  if (matchPath('/spend', path)) return <SpendPage />;
  if (matchPath('/requests', path)) return <RequestsPage />;
  if (matchPath('/arena', path)) return <ArenaPage />;
  return <RacesPage name={null} />;
}

/** A gateway without auth (loopback quick start, the demo) needs no key: sign in at once instead of asking. */
function useSignInWithoutAuth(session: unknown, login: (key: string) => Promise<void>): boolean {
  const [checking, setChecking] = useState(session === null);
  useEffect(() => {
    if (session !== null) return;
    let live = true;
    fetch('/admin/session')
      .then((r) => (r.ok ? (r.json() as Promise<{ auth?: string }>) : null))
      .then((b) => (b?.auth === 'none' ? login('none') : undefined))
      .catch(() => undefined)
      .finally(() => live && setChecking(false));
    return () => {
      live = false;
    };
  }, [session, login]);
  return checking;
}

function Shell() {
  const { session, login } = useSession();
  const path = usePath();
  const [demo] = useState(isDemo);
  const walkthrough = useWalkthrough();
  const checkingAuth = useSignInWithoutAuth(session, login);
  const { t } = useI18n();
  const hint = t('common.scrollHint');
  useEffect(() => watchScrollCues(document.body, hint), [hint]);
  useEffect(() => {
    if (session && (path === '/' || path === '/login')) navigate('/races', { replace: true });
  }, [session, path]);
  if (session === undefined || (session === null && checkingAuth)) return <Loading />;
  if (session === null) return <LoginPage />;
  return (
    <div className="app">
      <Header path={path} {...(demo ? { onShowWalkthrough: walkthrough.show } : {})} />
      <main className="content">
        {demo && walkthrough.open ? <Walkthrough path={path} onClose={walkthrough.hide} /> : null}
        <Suspense fallback={<Loading />}>
          <Page path={path} />
        </Suspense>
      </main>
    </div>
  );
}

export function App() {
  return (
    <I18nProvider>
      <SessionProvider>
        <Shell />
      </SessionProvider>
    </I18nProvider>
  );
}
