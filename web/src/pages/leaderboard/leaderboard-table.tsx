/**
 * Contenders side by side: arena rating with CI, rank range, how often the rank held in the bootstrap, and
 * battles; the latest eval's score, stability (pass^k) and gaming-gap verdict; and what serving costs: per 1k
 * requests and p95 latency in the chosen race. The columns that need it are explained in their header's tooltip
 * and in the legend below the table.
 */
import type { LeaderboardRow } from '../../api/arena-types.js';
import type { EvalHeadline } from '../../api/eval-types.js';
import type { ContenderAggregate } from '../../api/types.js';
import { fmtMoney, fmtMs, fmtPct } from '../../components/format.js';
import { Interval } from '../../components/interval.js';
import { useI18n } from '../../i18n/i18n-context.js';
import { Link } from '../../router/router.js';

export interface SideBySideProps {
  rows: readonly LeaderboardRow[];
  /** Bootstrap rounds the intervals and the rank-held shares rest on. */
  rounds: { usable: number; total: number };
  evals: ReadonlyMap<string, EvalHeadline>;
  ops: ReadonlyMap<string, ContenderAggregate>;
}

export function LeaderboardTable({ rows, evals, ops, rounds }: SideBySideProps) {
  const { t } = useI18n();
  const explain = {
    rankRange: t('lb.explain.rankRange'),
    rankHeld: t('lb.explain.rankHeld', { usable: rounds.usable, rounds: rounds.total }),
    stability: t('lb.explain.stability'),
  };
  return (
    <>
    <div className="table-wrap">
      <table className="table" data-testid="leaderboard-table">
        <thead>
          <tr>
            <th className="num">{t('lb.rank')}</th>
            <th>{t('common.contender')}</th>
            <th>{t('lb.rating')}</th>
            <th className="num explained" title={explain.rankRange} data-testid="lb-head-rank-range">{t('lb.rankRange')}</th>
            <th className="num explained" title={explain.rankHeld} data-testid="lb-head-rank-held">{t('lb.rankHeld')}</th>
            <th className="num">{t('lb.battles')}</th>
            <th className="num">{t('lb.winRate')}</th>
            <th>{t('lb.evalScore')}</th>
            <th className="num explained" title={explain.stability} data-testid="lb-head-stability">{t('lb.stability')}</th>
            <th>{t('lb.gap')}</th>
            <th className="num">{t('lb.costPer1k')}</th>
            <th className="num">{t('lb.p95')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const ev = evals.get(r.contender);
            const op = ops.get(r.contender);
            return (
              <tr key={r.contender} data-testid={`lb-row-${r.contender}`}>
                <td className="num strong">{r.rank ?? '—'}</td>
                <td className="strong nowrap">
                  {r.contender}
                  {r.retired ? <span className="badge">{t('races.status.retired')}</span> : null}
                  {r.few_battles && r.battles > 0 ? <span className="badge" data-testid={`few-battles-${r.contender}`}>{t('lb.fewBattles')}</span> : null}
                </td>
                <td>
                  <Interval value={r.rating} lo={r.ci_lower} hi={r.ci_upper} format={(x) => x.toFixed(0)} bar={false} />
                </td>
                <td className="num">{r.rank === null ? '—' : r.rank_worst !== null && r.rank_worst !== r.rank ? `${r.rank}–${r.rank_worst}` : String(r.rank)}</td>
                <td className="num" data-testid={`rank-held-${r.contender}`}>{fmtPct(r.rank_held, 0)}</td>
                <td className="num">{r.battles}</td>
                <td className="num">{fmtPct(r.win_rate, 0)}</td>
                <td>
                  {ev ? (
                    <Link to={`/evals/${encodeURIComponent(ev.run_id)}`}>
                      <Interval value={ev.score.value} lo={ev.score.lower} hi={ev.score.upper} format={(x) => x.toFixed(1)} bar={false} />
                    </Link>
                  ) : (
                    <span className="muted">—</span>
                  )}
                </td>
                <td className="num">{ev && ev.pass_k !== null ? `${ev.pass_k.toFixed(0)}% (k=${ev.k})` : '—'}</td>
                <td>
                  {ev?.gap_flagged === true ? (
                    <span className="chip chip-bad">{t('evals.gapFlagged')}{ev.gap !== null ? ` +${ev.gap.toFixed(1)}` : ''}</span>
                  ) : ev?.gap_flagged === false ? (
                    <span className="chip chip-ok">{t('evals.gapClean')}</span>
                  ) : (
                    <span className="muted">—</span>
                  )}
                </td>
                {/* Cost stays with who served and charged: per 1k requests it served (n counts the requests assigned). */}
                <td className="num">{op && op.served > 0 ? fmtMoney((op.cost_nanos / 1e9 / op.served) * 1000, op.currency) : '—'}</td>
                <td className="num">{fmtMs(op?.latency_ms?.p95)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
    <dl className="legend small" data-testid="lb-legend">
      <div><dt>{t('lb.rankRange')}</dt><dd>{explain.rankRange}</dd></div>
      <div><dt>{t('lb.rankHeld')}</dt><dd data-testid="lb-legend-rank-held">{explain.rankHeld}</dd></div>
      <div><dt>{t('lb.stability')}</dt><dd>{explain.stability}</dd></div>
    </dl>
    </>
  );
}
