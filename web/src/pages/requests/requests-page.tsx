/** Requests: the filterable request log; a row opens the detail drawer. */
import { useState } from 'react';
import { useApi } from '../../api/use-api.js';
import type { List, ModelEntry, RefusalRow, RequestRow } from '../../api/types.js';
import { fmtInt, fmtMoney, fmtMs, fmtTime } from '../../components/format.js';
import { Panel } from '../../components/panel.js';
import { DataTable } from '../../components/data-table.js';
import { DataView } from '../../components/data-view.js';
import { useI18n, type Lang } from '../../i18n/i18n-context.js';
import { useSession } from '../../session/session-context.js';
import { RequestDrawer } from './request-drawer.js';
import { refusalLabel, refusalMessage } from './refusal-text.js';
import { ProtocolName } from './protocol-text.js';
import { EMPTY_QUERY, PAGE_SIZE, queryPath, RequestFilters, type RequestQuery } from './request-filters.js';

/**
 * A page of the request log as the API answers it: filtered and counted on the server. Requests refused at
 * admission come as one entry per minute and combination, with their count. `total` is counted over at most
 * 100,000 entries (`total_capped`: there are more).
 */
interface RequestPage extends List<RequestRow | RefusalRow> {
  total: number;
  total_capped: boolean;
  has_more: boolean;
  next_cursor: string | null;
}

export function RequestsPage() {
  const { t, lang } = useI18n();
  const { session } = useSession();
  const [query, setQueryState] = useState<RequestQuery>(EMPTY_QUERY);
  // The cursors of the pages before this one: the last is this page's, empty on the newest page.
  const [cursors, setCursors] = useState<string[]>([]);
  const setQuery = (q: RequestQuery) => {
    setQueryState(q);
    setCursors([]);
  };
  const [open, setOpen] = useState<string | null>(null);
  const models = useApi<List<ModelEntry>>('/v1/models');
  const log = useApi<RequestPage>(queryPath(query, cursors.at(-1) ?? null), { refreshMs: cursors.length === 0 ? 10000 : 0 });
  const from = cursors.length * PAGE_SIZE;
  return (
    <div className="stack" data-testid="requests-page">
      <h1>{t('req.title')}</h1>
      <Panel title={t('req.title')} actions={<RequestFilters query={query} onChange={setQuery} models={models.data?.data ?? []} admin={session?.info.admin ?? false} />}>
        <DataView state={log} empty={{ when: (d) => d.data.length === 0, text: t('req.empty') }}>
          {(page) => (
            <>
              <div className="pager" data-testid="requests-pager">
                <span data-testid="requests-count">{t(page.total_capped ? 'req.countCapped' : 'req.count', { from: fmtInt(from + 1, lang), to: fmtInt(from + page.data.length, lang), total: fmtInt(page.total, lang) })}</span>
                <button type="button" className="btn btn-small" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))} data-testid="requests-newer">
                  {t('req.newer')}
                </button>
                <button type="button" className="btn btn-small" disabled={!page.has_more} onClick={() => page.next_cursor && setCursors([...cursors, page.next_cursor])} data-testid="requests-older">
                  {t('req.older')}
                </button>
              </div>
              <DataTable
                columns={[
                  { label: t('common.time') }, { label: t('common.race') }, { label: t('common.contender') }, { label: t('req.protocol') }, { label: t('common.status') },
                  { label: t('req.latency'), num: true }, { label: t('req.tokens'), num: true }, { label: t('common.cost'), num: true }, { label: t('common.team') },
                ]}
                testId="requests-table"
                className="table-hover"
              >
                {page.data.map((r) =>
                  r.object === 'refusal' ? (
                    <RefusalLine key={r.id} r={r} onOpen={() => setOpen(r.id)} />
                  ) : (
                    <tr key={r.id} onClick={() => setOpen(r.id)} tabIndex={0} onKeyDown={(e) => e.key === 'Enter' && setOpen(r.id)} data-testid="request-row">
                      <td className="nowrap">{fmtTime(r.ts, lang)}</td>
                      <td>{r.race ?? '—'}</td>
                      <td>
                        {r.contender ?? '—'}
                        {r.shadow ? <span className="badge">{t('req.shadow')}</span> : null}
                        {r.fallback_from ? (
                          <span className="badge badge-rolled_back" data-testid="rescued-from" title={(r.failed_attempts ?? []).map((f) => `${f.contender}: ${f.code}`).join('\n')}>
                            {t('req.rescuedFrom', { contender: r.fallback_from })}
                          </span>
                        ) : null}
                      </td>
                      <td>
                        <ProtocolName protocol={r.protocol} />
                      </td>
                      <td>
                        <span className={`chip chip-${r.outcome === 'ok' ? 'ok' : 'bad'}`}>
                          {r.status} {t(`req.status.${r.outcome}`)}
                        </span>
                      </td>
                      <td className="num">{fmtMs(r.latency_ms)}</td>
                      <td className="num">{fmtInt(r.prompt_tokens + r.completion_tokens, lang)}</td>
                      <td className="num">{fmtMoney(r.cost_nanos / 1e9, r.currency)}</td>
                      <td>{r.team ?? '—'}</td>
                    </tr>
                  ),
                )}
              </DataTable>
            </>
          )}
        </DataView>
      </Panel>
      {open ? <RequestDrawer id={open} onClose={() => setOpen(null)} /> : null}
    </div>
  );
}

/** A minute's refusals of one key, team, race, contender and reason: when, why, how many. */
function RefusalLine({ r, onOpen }: { r: RefusalRow; onOpen: () => void }) {
  const { t, lang } = useI18n();
  const label = refusalLabel(r.error_code, t);
  const message = refusalMessage(r.error_message, t, lang);
  const count = fmtInt(r.count, lang);
  // Opens the refusals' own record (GET /admin/requests/:id answers it): a refused call has no request row.
  return (
    <tr
      data-testid="refusal-row"
      data-count={r.count}
      data-code={r.error_code}
      title={t('req.refusedWhy', { count, from: fmtTime(r.first_ts, lang), to: fmtTime(r.last_ts, lang), message })}
      onClick={onOpen}
      tabIndex={0}
      onKeyDown={(e) => e.key === 'Enter' && onOpen()}
    >
      <td className="nowrap">
        {fmtTime(r.ts, lang)}–{clock(r.until, lang)}
      </td>
      <td>{r.race ?? '—'}</td>
      <td>{r.contender ?? '—'}</td>
      {/* Refusals are counted without their front door. */}
      <td>—</td>
      <td>
        <span className="chip chip-bad" data-testid="refusal-status">
          {t('req.refusedStatus', { status: r.status, reason: label })}
        </span>
        <span className="badge" data-testid="refusal-count">
          {t('req.refusedCount', { count })}
        </span>
        <div className="muted" data-testid="refusal-reason">
          {message}
          {r.key_id ? ` · ${t('req.refusedKey', { key: r.key_id })}` : ''}
        </div>
      </td>
      <td className="num">—</td>
      <td className="num">—</td>
      <td className="num">—</td>
      <td>{r.team ?? '—'}</td>
    </tr>
  );
}

/** Hours, minutes and seconds on the 24-hour clock the page's times use. */
function clock(ts: number, lang: Lang): string {
  return new Date(ts).toLocaleTimeString(lang === 'zh' ? 'zh-CN' : 'en-US', { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
}
