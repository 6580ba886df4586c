/**
 * The request log's filters: race, contender, status (refused: requests turned away at admission, counted per
 * minute), protocol (the front door), time window, team, request id, user id — all applied by the API. A request id
 * is looked up at any time.
 */
import type { ModelEntry, RequestProtocol } from '../../api/types.js';
import { useI18n } from '../../i18n/i18n-context.js';
import { PROTOCOLS } from './protocol-text.js';

export interface RequestQuery {
  race: string;
  contender: string;
  status: '' | 'ok' | 'error' | 'cut' | 'lost' | 'refused';
  protocol: '' | RequestProtocol;
  since: '1h' | '1d' | '7d';
  team: string;
  id: string;
  user: string;
}

export const EMPTY_QUERY: RequestQuery = { race: '', contender: '', status: '', protocol: '', since: '1d', team: '', id: '', user: '' };

export const PAGE_SIZE = 50;

/** The API path of one page: `before` is the previous page's `next_cursor` (null for the newest rows). */
export function queryPath(q: RequestQuery, before: string | null): string {
  // An id names one request (or one refusal record): it is found whenever it happened, not only in the window.
  const p = new URLSearchParams({ since: q.id ? '0' : q.since, limit: String(PAGE_SIZE) });
  if (q.race) p.set('race', q.race);
  if (q.contender) p.set('contender', q.contender);
  if (q.status) p.set('outcome', q.status);
  if (q.protocol) p.set('protocol', q.protocol);
  if (q.team) p.set('team', q.team);
  if (q.id) p.set('id', q.id);
  if (q.user) p.set('user', q.user);
  if (before) p.set('before', before);
  return `/admin/requests?${p.toString()}`;
}

export function RequestFilters({ query, onChange, models, admin }: { query: RequestQuery; onChange: (q: RequestQuery) => void; models: readonly ModelEntry[]; admin: boolean }) {
  const { t } = useI18n();
  const races = models.filter((m) => m.saima?.kind === 'race').map((m) => m.id);
  const contenders = models.filter((m) => m.saima?.kind === 'contender').map((m) => m.id);
  const set = <K extends keyof RequestQuery>(k: K, v: RequestQuery[K]) => onChange({ ...query, [k]: v });
  return (
    <div className="filters" data-testid="request-filters">
      <label className="field field-inline">
        <span>{t('common.race')}</span>
        <select value={query.race} onChange={(e) => set('race', e.target.value)} data-testid="filter-race">
          <option value="">{t('common.all')}</option>
          {races.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
      </label>
      <label className="field field-inline">
        <span>{t('common.contender')}</span>
        <select value={query.contender} onChange={(e) => set('contender', e.target.value)} data-testid="filter-contender">
          <option value="">{t('common.all')}</option>
          {contenders.map((c) => (
            <option key={c}>{c}</option>
          ))}
        </select>
      </label>
      <label className="field field-inline">
        <span>{t('common.status')}</span>
        <select value={query.status} onChange={(e) => set('status', e.target.value as RequestQuery['status'])} data-testid="filter-status">
          <option value="">{t('common.all')}</option>
          <option value="ok">{t('req.status.ok')}</option>
          <option value="error">{t('req.status.error')}</option>
          <option value="cut">{t('req.status.cut')}</option>
          <option value="lost">{t('req.status.lost')}</option>
          <option value="refused">{t('req.status.refused')}</option>
        </select>
      </label>
      <label className="field field-inline">
        <span>{t('req.protocol')}</span>
        <select value={query.protocol} onChange={(e) => set('protocol', e.target.value as RequestQuery['protocol'])} data-testid="filter-protocol">
          <option value="">{t('common.all')}</option>
          {PROTOCOLS.map((p) => (
            <option key={p} value={p}>
              {t(`req.protocol.${p}`)}
            </option>
          ))}
        </select>
      </label>
      <label className="field field-inline">
        <span>{t('common.time')}</span>
        <select value={query.id ? 'any' : query.since} disabled={query.id !== ''} onChange={(e) => set('since', e.target.value as RequestQuery['since'])} data-testid="filter-since">
          {query.id ? <option value="any">{t('req.anyTime')}</option> : null}
          <option value="1h">{t('req.last1h')}</option>
          <option value="1d">{t('req.last1d')}</option>
          <option value="7d">{t('req.last7d')}</option>
        </select>
      </label>
      <label className="field field-inline">
        <span>{t('req.searchId')}</span>
        <input type="search" value={query.id} onChange={(e) => set('id', e.target.value.trim())} data-testid="filter-id" size={14} />
      </label>
      <label className="field field-inline">
        <span>{t('req.searchUser')}</span>
        <input type="search" value={query.user} onChange={(e) => set('user', e.target.value.trim())} data-testid="filter-user" size={10} />
      </label>
      {admin ? (
        <label className="field field-inline">
          <span>{t('common.team')}</span>
          <input type="text" value={query.team} onChange={(e) => set('team', e.target.value.trim())} placeholder={t('common.all')} data-testid="filter-team" size={10} />
        </label>
      ) : null}
    </div>
  );
}
