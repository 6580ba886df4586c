/**
 * Read APIs over the request log, feedback and spend. Any key may call them; a key without the admin scope sees
 * only its own team's rows, and another team's request answers exactly like a missing one (404, never 403).
 */
import { snakeKeys } from '../snake-case.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { groupSpend, parseDimensions } from '../../metering/spend-report.js';
import type { GatewayContext } from '../context.js';
import { SaimaError } from '../../errors.js';
import { parseDuration } from '../key-service.js';
import { hashUser } from '../user-hash.js';
import { REQUEST_PROTOCOLS, type RefusalRecord, type RequestFilter, type RequestLogRow, type RequestProtocol } from '../../store/types.js';
import { REFUSAL_BUCKET_MS } from '../../store/repos/refusals.js';
import { confinedTeam, maySee } from '../route-access.js';

/** The team a caller is confined to, or undefined for admins (who may pass `team` to filter). */
function teamScope(req: FastifyRequest, asked: unknown): string | undefined {
  return confinedTeam(req) ?? (typeof asked === 'string' && asked !== '' ? asked : undefined);
}

/** A race-limited key's names, as a store filter (rows of other races are not its to read). */
function visible(req: FastifyRequest): { visibleTo?: readonly string[] } {
  return req.principal.races ? { visibleTo: [...req.principal.races] } : {};
}

function since(q: Record<string, unknown>, now: number, fallback: string): number {
  const v = typeof q.since === 'string' ? q.since : fallback;
  if (/^\d+$/.test(v)) return Number(v);
  try {
    return now - parseDuration(v);
  } catch {
    throw new SaimaError('invalid_value', "'since' must be a duration like 7d or epoch milliseconds.", 'since');
  }
}

const OUTCOMES = ['ok', 'error', 'cut', 'lost', 'refused'] as const;
type Outcome = (typeof OUTCOMES)[number];

function outcomeParam(v: unknown): Outcome | undefined {
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string' || !(OUTCOMES as readonly string[]).includes(v)) throw new SaimaError('invalid_value', `'outcome' must be one of ${OUTCOMES.join(', ')}.`, 'outcome');
  return v as Outcome;
}

/** `protocol` of a request listing (this route's query, `saima requests --protocol`): a front door, or none. */
export function protocolParam(v: unknown): RequestProtocol | undefined {
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string' || !(REQUEST_PROTOCOLS as readonly string[]).includes(v)) throw new SaimaError('invalid_value', `'protocol' must be one of ${REQUEST_PROTOCOLS.join(', ')}.`, 'protocol');
  return v as RequestProtocol;
}

/**
 * `total` counts at most this many entries (then `total_capped` is true): the count walks every matching row, and on
 * SQLite it does so on the gateway's own thread, asked again at each poll of the dashboard.
 */
export const TOTAL_CAP = 100_000;

/** A moment given as epoch milliseconds or as a duration before now (`until=1h`: up to an hour ago). */
function instant(v: unknown, now: number, param: string): number {
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  try {
    if (typeof v === 'string') return now - parseDuration(v);
  } catch {
    // worded below
  }
  throw new SaimaError('invalid_value', `'${param}' must be a duration like 7d or epoch milliseconds.`, param);
}

/**
 * `next_cursor` of the previous page: `<ts>~<id>` when its last entry is a request, `<ts>!<id>` when a refusal record.
 * The list is ordered by ts descending; at the same ts refusal records come before requests, each kind by id
 * descending, so each table is read from its own side of the cursor.
 */
function cursor(v: unknown): { ts: number; id: string; refusal: boolean } | undefined {
  if (v === undefined || v === '') return undefined;
  const m = typeof v === 'string' ? /^(\d{1,16})([~!])(.{1,200})$/.exec(v) : null;
  if (!m) throw new SaimaError('invalid_value', "'before' must be the next_cursor of a previous page.", 'before');
  return { ts: Number(m[1]), id: m[3]!, refusal: m[2] === '!' };
}

/** Keyset bounds for each table after the cursor (an empty id: nothing at that ts remains of that table). */
function afterCursor(c: { ts: number; id: string; refusal: boolean }): { requests: { ts: number; id: string }; refusals: { ts: number; id: string } } {
  return c.refusal ? { requests: { ts: c.ts + 1, id: '' }, refusals: { ts: c.ts, id: c.id } } : { requests: { ts: c.ts, id: c.id }, refusals: { ts: c.ts, id: '' } };
}

function publicRefusal(r: RefusalRecord) {
  const { firstTs, lastTs, firstId, code, message, ...rest } = r;
  return snakeKeys({ object: 'refusal', ...rest, outcome: 'refused', until: r.ts + REFUSAL_BUCKET_MS, errorCode: code, errorMessage: message, firstTs, lastTs, firstId });
}

function publicRow(row: object) {
  return { object: 'request', ...snakeKeys(row) };
}

type Entry = { kind: 'request'; row: RequestLogRow } | { kind: 'refusal'; row: RefusalRecord };

/** The newest `limit` of two lists each already in the log's order (a refusal first at the same ts). */
function merge(rows: readonly RequestLogRow[], refusals: readonly RefusalRecord[], limit: number): Entry[] {
  const out: Entry[] = [];
  let i = 0;
  let j = 0;
  while (out.length < limit && (i < rows.length || j < refusals.length)) {
    const r = rows[i];
    const f = refusals[j];
    if (f !== undefined && (r === undefined || f.ts >= r.ts)) {
      out.push({ kind: 'refusal', row: f });
      j++;
    } else {
      out.push({ kind: 'request', row: r! });
      i++;
    }
  }
  return out;
}

export function registerAdminReadRoutes(app: FastifyInstance, ctx: GatewayContext): void {
  app.get('/admin/requests', async (req) => {
    const q = req.query as Record<string, unknown>;
    const team = teamScope(req, q.team);
    const now = ctx.now();
    const outcome = outcomeParam(q.outcome);
    const protocol = protocolParam(q.protocol);
    const filter: RequestFilter = {
      ...(team !== undefined ? { team } : {}),
      ...visible(req),
      ...(typeof q.race === 'string' && q.race !== '' ? { race: q.race } : {}),
      ...(typeof q.contender === 'string' && q.contender !== '' ? { contender: q.contender } : {}),
      ...(typeof q.id === 'string' && q.id !== '' ? { id: q.id } : {}),
      ...(typeof q.user === 'string' && q.user !== '' ? { userHash: hashUser(q.user) } : {}),
      ...(outcome !== undefined && outcome !== 'refused' ? { outcome } : {}),
      ...(protocol !== undefined ? { protocol } : {}),
      since: since(q, now, '1d'),
      ...(q.until !== undefined ? { until: instant(q.until, now, 'until') } : {}),
      // Shadow rows include the arena's blind match calls: only admins may see them, or a voter could unmask a match.
      includeShadow: q.shadow === 'true' && req.principal.scopes.has('admin'),
    };
    const limit = typeof q.limit === 'string' ? Math.min(Number(q.limit) || 100, 1000) : 100;
    const before = cursor(q.before);
    const bounds = before ? afterCursor(before) : undefined;
    // Refusals are counted per minute and combination, with no user and no protocol: those filters find none.
    const withRequests = outcome !== 'refused';
    const withRefusals = (outcome === undefined || outcome === 'refused') && filter.userHash === undefined && filter.protocol === undefined;
    const { outcome: _o, userHash: _u, includeShadow: _s, protocol: _p, ...refusalFilter } = filter;
    // One entry more than asked says whether another page follows.
    const [rows, refusals, requestCount, refusalCount] = await Promise.all([
      withRequests ? ctx.store.requests.listRequests({ ...filter, ...(bounds ? { before: bounds.requests } : {}), limit: limit + 1 }) : [],
      withRefusals ? ctx.store.refusals.list({ ...refusalFilter, ...(bounds ? { before: bounds.refusals } : {}), limit: limit + 1 }) : [],
      withRequests ? ctx.store.requests.countRequests(filter, TOTAL_CAP + 1) : 0,
      withRefusals ? ctx.store.refusals.count(refusalFilter, TOTAL_CAP + 1) : { records: 0, requests: 0 },
    ]);
    const page = merge(rows, refusals, limit);
    const last = page.at(-1);
    const hasMore = rows.length + refusals.length > limit && last !== undefined;
    const counted = requestCount + refusalCount.records;
    return {
      object: 'list',
      data: page.map((e) => (e.kind === 'request' ? publicRow(e.row) : publicRefusal(e.row))),
      total: Math.min(counted, TOTAL_CAP),
      total_capped: counted > TOTAL_CAP,
      refused_requests: refusalCount.requests,
      has_more: hasMore,
      next_cursor: hasMore ? `${last.row.ts}${last.kind === 'request' ? '~' : '!'}${last.row.id}` : null,
    };
  });

  app.get('/admin/requests/:id', async (req) => {
    const { id } = req.params as { id: string };
    const row = await ctx.store.requests.getRequest(id);
    const team = teamScope(req, undefined);
    if (row) {
      if ((team !== undefined && (row.team !== team || row.shadow)) || !maySee(req.principal, row.race ?? row.contender)) throw new SaimaError('not_found', `No request with id '${id}'.`, 'id');
      return publicRow(row);
    }
    // A refused call has no row: its id (a refusal record's `first_id`, or the record's own id) opens the record
    // that counted it, under the same visibility as the list.
    const refusal = await ctx.store.refusals.get(id);
    if (!refusal || (team !== undefined && refusal.team !== team) || !maySee(req.principal, refusal.race ?? refusal.contender)) throw new SaimaError('not_found', `No request with id '${id}'.`, 'id');
    return publicRefusal(refusal);
  });

  app.get('/admin/feedback', async (req) => {
    const q = req.query as Record<string, unknown>;
    const team = teamScope(req, q.team);
    const rows = await ctx.store.feedback.listFeedback({
      ...(team !== undefined ? { team } : {}),
      ...visible(req),
      ...(typeof q.race === 'string' ? { race: q.race } : {}),
      ...(typeof q.contender === 'string' ? { contender: q.contender } : {}),
      since: since(q, ctx.now(), '7d'),
      limit: typeof q.limit === 'string' ? Number(q.limit) || 100 : 100,
    });
    return { object: 'list', data: rows.map(snakeKeys) };
  });

  app.get('/admin/spend', async (req) => {
    const q = req.query as Record<string, unknown>;
    let by;
    try {
      by = parseDimensions(typeof q.by === 'string' ? q.by : 'day,contender');
    } catch (err) {
      throw new SaimaError('invalid_value', (err as Error).message, 'by');
    }
    const team = teamScope(req, q.team);
    const from = since(q, ctx.now(), '7d');
    const rows = await ctx.store.requests.spendRows({ since: from, ...(team !== undefined ? { team } : {}) });
    // Eval and gate calls belong to no team: in an unfiltered report only.
    rows.push(...(await ctx.store.evals.spendRows(from)).filter((r) => team === undefined || r.team === team));
    const seen = req.principal.races ? rows.filter((r) => maySee(req.principal, r.race ?? r.contender)) : rows;
    const groups = groupSpend(seen, by, ctx.config.timeZone);
    // Per contender, billed over estimated prompt tokens as this gateway reserves with them (prompt-calibration.ts).
    const calibration = ctx.admission.calibration.view().filter((c) => !req.principal.races || maySee(req.principal, c.contender));
    return { object: 'spend_report', by, since: from, time_zone: ctx.config.timeZone, data: groups.map(snakeKeys), calibration: calibration.map(snakeKeys) };
  });
}
