/** The dashboard shell: session gate, header, and the page for the current path. Pages load on first visit. */
import { lazy, Suspense, useEffect } from 'react';
import { Header } from './components/header.js';
import { Loading } from './components/status-views.js';
import { I18nProvider } from './i18n/i18n-context.js';
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

function Shell() {
  const { session } = useSession();
  const path = usePath();
  useEffect(() => {
    if (session && (path === '/' || path === '/login')) navigate('/races', { replace: true });
  }, [session, path]);
  if (session === undefined) return <Loading />;
  if (session === null) return <LoginPage />;
  return (
    <div className="app">
      <Header path={path} />
      <main className="content">
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
