/**
 * P(row beats column) for every pair that met, as a heatmap table: the observed rate in the battles (ties half a
 * win each way) with how many battles it rests on, and the rate the ratings predict in the cell's tooltip. Wide
 * matrices scroll inside their panel (the scroll cue shows where more columns are).
 */
import type { LeaderboardReport } from '../../api/arena-types.js';
import { fmtPct } from '../../components/format.js';
import { useI18n } from '../../i18n/i18n-context.js';

/** Red below one half, blue above, white at a coin flip; pale enough for dark text at either end. */
export function cellColor(p: number): string {
  const strength = Math.min(1, Math.abs(p - 0.5) * 2);
  const [r, g, b] = p >= 0.5 ? [37, 99, 235] : [220, 38, 38];
  return `rgba(${r}, ${g}, ${b}, ${(0.08 + 0.42 * strength).toFixed(2)})`;
}

export function WinRateMatrix({ matrix }: { matrix: LeaderboardReport['win_rates'] }) {
  const { t } = useI18n();
  const names = matrix.contenders;
  return (
    <div className="table-wrap">
      <table className="table matrix" data-testid="win-rate-matrix" data-size={names.length}>
        <thead>
          <tr>
            <th className="matrix-corner">{t('lb.matrixCorner')}</th>
            {names.map((c) => (
              <th key={c} className="num" scope="col">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {names.map((row, i) => (
            <tr key={row}>
              <th scope="row" className="nowrap">
                {row}
              </th>
              {names.map((col, j) => {
                const observed = matrix.observed[i]?.[j] ?? null;
                const predicted = matrix.predicted[i]?.[j] ?? null;
                const n = matrix.battles[i]?.[j] ?? 0;
                if (i === j) return <td key={col} className="matrix-self" aria-label="—" />;
                const title = t('lb.matrixCell', { row, col, observed: fmtPct(observed, 0), n, predicted: fmtPct(predicted, 0) });
                return (
                  <td
                    key={col}
                    className="num matrix-cell"
                    title={title}
                    style={observed === null ? undefined : { background: cellColor(observed) }}
                    data-testid={`wr-${row}-${col}`}
                    data-observed={observed ?? ''}
                    data-battles={n}
                  >
                    <span className="strong">{fmtPct(observed, 0)}</span>
                    <span className="matrix-n">{t('lb.matrixN', { n })}</span>
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
