/** The launch gate's verdicts, newest first: which challenger of which race passed or failed, and on what check. */
import { isUnknownRoute } from '../../api/api-error.js';
import { useApi } from '../../api/use-api.js';
import type { List } from '../../api/types.js';
import { fmtTime } from '../../components/format.js';
import { Panel } from '../../components/panel.js';
import { DataTable } from '../../components/data-table.js';
import { DataView } from '../../components/data-view.js';
import type { MessageKey } from '../../i18n/en.js';
import { useI18n } from '../../i18n/i18n-context.js';
import { Link } from '../../router/router.js';
import { gateCheckText, type GateCheckView } from './gate-text.js';

interface GateVerdict {
  id: string;
  ts: number;
  race: string;
  challenger: string;
  passed: boolean;
  /** The gate's checks as it recorded them; read loosely. */
  checks: unknown;
  run_id: string | null;
}

function checksOf(v: unknown): GateCheckView[] {
  if (!Array.isArray(v)) return [];
  return v
    .filter((c): c is GateCheckView => typeof c === 'object' && c !== null && typeof (c as GateCheckView).message === 'string')
    .map((c) => ({ check: String(c.check), ok: c.ok === true, message: c.message, details: c.details }));
}

const CHECKS = ['complete', 'score', 'contamination', 'robustness', 'champion'];

export function GateVerdicts() {
  const { t, lang } = useI18n();
  const checkName = (c: string): string => (CHECKS.includes(c) ? t(`gates.check.${c}` as MessageKey) : c);
  const gates = useApi<List<GateVerdict>>('/admin/gates?limit=50', { refreshMs: 30000 });
  // A gateway without gate verdicts (an older one) shows no panel for them.
  if (isUnknownRoute(gates.error)) return null;
  const columns = [{ label: t('common.time') }, { label: t('common.race') }, { label: t('races.challenger') }, { label: t('gates.verdict') }, { label: t('gates.checks') }];
  return (
    <Panel title={t('gates.title')} hint={t('gates.hint')} testId="gates-panel">
      <DataView state={gates} empty={{ when: (d) => d.data.length === 0, text: t('gates.empty'), testId: 'gates-empty' }}>
        {(data) => (
          <DataTable columns={columns} testId="gates-table">
            {data.data.map((g) => (
              <tr key={g.id} data-testid={`gate-${g.race}-${g.challenger}`}>
                <td className="nowrap">{fmtTime(g.ts, lang)}</td>
                <td>{g.race}</td>
                <td>{g.challenger}</td>
                <td>
                  <span className={`chip chip-${g.passed ? 'ok' : 'bad'}`} data-testid="gate-verdict">
                    {g.passed ? t('gates.passed') : t('gates.failed')}
                  </span>
                </td>
                <td className="small">
                  <ul className="checks">
                    {checksOf(g.checks).map((c, i) => (
                      <li key={i} className={c.ok ? '' : 'check-failed'} data-testid={`gate-check-${c.check}`}>
                        {c.ok ? '✓' : '✗'} <span className="strong">{checkName(c.check)}</span>: {gateCheckText(c, t, lang) ?? c.message}
                      </li>
                    ))}
                  </ul>
                  {g.run_id ? (
                    <Link to={`/evals/${encodeURIComponent(g.run_id)}`} className="small">
                      {t('gates.run')}
                    </Link>
                  ) : null}
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </DataView>
    </Panel>
  );
}
