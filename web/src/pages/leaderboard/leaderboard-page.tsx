/** Leaderboard: Bradley–Terry ratings from the arena with CIs, beside eval results and serving cost and latency. */
import { useMemo, useState } from 'react';
import type { LeaderboardReport } from '../../api/arena-types.js';
import type { EvalHeadline } from '../../api/eval-types.js';
import { useApi } from '../../api/use-api.js';
import type { List, RaceReport, RaceSummary } from '../../api/types.js';
import { Panel } from '../../components/panel.js';
import { DataView } from '../../components/data-view.js';
import { useI18n } from '../../i18n/i18n-context.js';
import { LeaderboardFilters, type LeaderboardQuery } from './leaderboard-filters.js';
import { LeaderboardTable } from './leaderboard-table.js';
import { RatingsChart } from './ratings-chart.js';
import { WinRateMatrix } from './win-rate-matrix.js';

export function leaderboardPath(q: LeaderboardQuery): string {
  const p = new URLSearchParams();
  if (q.race) p.set('race', q.race);
  if (q.tag) p.set('tag', q.tag);
  if (q.language) p.set('language', q.language);
  const s = p.toString();
  return `/v1/arena/leaderboard${s ? `?${s}` : ''}`;
}

export function LeaderboardPage() {
  const { t } = useI18n();
  const races = useApi<List<RaceSummary>>('/admin/races');
  const [picked, setQuery] = useState<LeaderboardQuery | null>(null);
  const query: LeaderboardQuery = picked ?? { race: races.data?.data[0]?.name ?? '', tag: '', language: '' };
  const board = useApi<LeaderboardReport>(races.data ? leaderboardPath(query) : null, { refreshMs: 30000 });
  const race = useApi<RaceReport>(query.race ? `/admin/races/${encodeURIComponent(query.race)}` : null);
  const evals = useApi<List<EvalHeadline>>('/admin/evals/headlines');
  const evalMap = useMemo(() => new Map((evals.data?.data ?? []).map((e) => [e.contender, e])), [evals.data]);
  const ops = useMemo(() => new Map((race.data?.contenders ?? []).map((c) => [c.contender, c])), [race.data]);

  const body = (
    <DataView
      state={board}
      unavailable={{ text: t('lb.unavailable'), testId: 'lb-unavailable' }}
      empty={{ when: (d) => d.battles === 0, text: t('lb.empty'), testId: 'lb-empty' }}
    >
      {(data) => <RatingsChart rows={data.data} />}
    </DataView>
  );

  return (
    <div className="stack" data-testid="leaderboard-page">
      <h1>{t('lb.title')}</h1>
      <Panel title={t('lb.title')} hint={t('lb.hint')} actions={<LeaderboardFilters query={query} onChange={setQuery} races={races.data?.data ?? []} />}>
        {body}
      </Panel>
      {board.data && board.data.data.length > 0 ? (
        <Panel title={t('lb.sideBySide')}>
          <LeaderboardTable rows={board.data.data} evals={evalMap} ops={ops} rounds={{ usable: board.data.method.usable_rounds, total: board.data.method.bootstrap_rounds }} />
          <p className="muted" data-testid="lb-rounds">
            {t('lb.rounds', { usable: board.data.method.usable_rounds, rounds: board.data.method.bootstrap_rounds, min: board.data.method.min_battles })}
          </p>
        </Panel>
      ) : null}
      {board.data && board.data.battles > 0 && board.data.win_rates.contenders.length > 1 ? (
        <Panel title={t('lb.matrix')} hint={t('lb.matrixHint')} testId="lb-matrix-panel">
          <WinRateMatrix matrix={board.data.win_rates} />
        </Panel>
      ) : null}
    </div>
  );
}
