/** Races: one tab per race; the chosen race's weights over time, guardrail evidence, manual actions and decisions. */
import { useMemo } from 'react';
import { useApi } from '../../api/use-api.js';
import type { List, RaceReport, RaceSummary } from '../../api/types.js';
import { fmtTime } from '../../components/format.js';
import { Panel } from '../../components/panel.js';
import { EmptyState, ErrorBanner, Loading } from '../../components/status-views.js';
import { useI18n } from '../../i18n/i18n-context.js';
import { Link } from '../../router/router.js';
import { DecisionsTable } from './decisions-table.js';
import { GuardrailTable } from './guardrail-table.js';
import { monitorBlocked, monitorPolicy } from './monitor-status.js';
import { frozenReason, reasonCode, sayReason } from './reason-text.js';
import { RaceActions } from './race-actions.js';
import { weightHistory } from './weight-history.js';
import { WeightsChart } from './weights-chart.js';

function RaceView({ name }: { name: string }) {
  const { t, lang } = useI18n();
  const { data: race, error, reload } = useApi<RaceReport>(`/admin/races/${encodeURIComponent(name)}`, { refreshMs: 5000 });
  const history = useMemo(() => (race ? weightHistory(race, Date.now()) : null), [race]);
  if (error && !race) return <ErrorBanner error={error} onRetry={reload} />;
  if (!race || !history) return <Loading />;
  const frozen = race.frozen ? frozenReason(race.frozen, race.decisions, t, lang) : null;
  const blocked = monitorBlocked(race.monitor);
  const blockedWhy = typeof race.monitor === 'object' && race.monitor !== null ? (race.monitor as { assessment?: { blocked_why?: unknown } }).assessment?.blocked_why : undefined;
  return (
    <div className="stack" data-testid={`race-${race.name}`}>
      <div className="race-head">
        <h1>{race.name}</h1>
        <span className="muted">
          {t('races.champion')}: <b data-testid="race-champion">{race.champion}</b> · {t('races.since', { time: fmtTime(race.champion_since, lang) })} · {t('races.version', { version: race.version })}
          {monitorPolicy(race.monitor) ? ` · ${t('races.policy', { policy: monitorPolicy(race.monitor)! })}` : ''}
        </span>
        {race.description ? <p className="muted">{race.description}</p> : null}
        {frozen ? <p className="banner banner-warn" data-testid="race-frozen">{t('races.frozen', { reason: frozen })}</p> : null}
        {blocked && !race.frozen ? <p className="banner banner-warn" data-testid="race-blocked">{t('races.blocked', { reason: sayReason(reasonCode(blockedWhy), t, lang) ?? blocked })}</p> : null}
      </div>
      <Panel title={t('races.weights')} hint={t('races.weightsHint')}>
        <WeightsChart history={history} decisions={race.decisions} />
      </Panel>
      <Panel title={t('races.guardrails')} hint={t('races.guardrailsHint')}>
        <GuardrailTable race={race} contenders={history.contenders} frozenText={frozen} />
      </Panel>
      <Panel title={t('races.manual')} hint={t('races.manualHint')}>
        <RaceActions race={race} onDone={reload} />
      </Panel>
      <Panel title={t('races.decisions')}>
        <DecisionsTable decisions={race.decisions} />
      </Panel>
    </div>
  );
}

export function RacesPage({ name }: { name: string | null }) {
  const { t } = useI18n();
  const { data, error, reload } = useApi<List<RaceSummary>>('/admin/races', { refreshMs: 15000 });
  if (error && !data) return <ErrorBanner error={error} onRetry={reload} />;
  if (!data) return <Loading />;
  if (data.data.length === 0) return <EmptyState testId="races-empty">{t('races.empty')}</EmptyState>;
  const selected = name ?? data.data[0]!.name;
  return (
    <div className="stack">
      <nav className="tabs" aria-label={t('races.title')}>
        {data.data.map((r) => (
          <Link key={r.name} to={`/races/${encodeURIComponent(r.name)}`} className={r.name === selected ? 'tab active' : 'tab'} testId={`race-tab-${r.name}`}>
            {r.name}
            <span className="muted small"> · {r.champion}</span>
          </Link>
        ))}
      </nav>
      <RaceView key={selected} name={selected} />
    </div>
  );
}
