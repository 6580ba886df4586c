/** Arena ratings with their bootstrap CIs, best on top. */
import type { LeaderboardRow } from '../../api/arena-types.js';
import { CiChart } from '../../charts/ci-chart.js';
import { useContenderColors } from '../../charts/contender-colors.js';
import { useI18n } from '../../i18n/i18n-context.js';

export function RatingsChart({ rows }: { rows: readonly LeaderboardRow[] }) {
  const { t } = useI18n();
  const colorOf = useContenderColors();
  const rated = rows.filter((r) => r.rating !== null);
  const data = rated.map((r) => ({ name: r.contender, value: r.rating!, lower: r.ci_lower, upper: r.ci_upper, note: `${t('lb.battles')}: ${r.battles}` }));
  return <CiChart rows={data} axisName={t('lb.rating')} format={(x) => x.toFixed(0)} testId="ratings-chart" colorOf={colorOf} />;
}
