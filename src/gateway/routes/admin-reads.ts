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

function publicRow(row: object) {
  return { object: 'request', ...snakeKeys(row) };
}

export function registerAdminReadRoutes(app: FastifyInstance, ctx: GatewayContext): void {
  app.get('/admin/requests', async (req) => {
    const q = req.query as Record<string, unknown>;
    const team = teamScope(req, q.team);
    const rows = await ctx.store.requests.listRequests({
      ...(team !== undefined ? { team } : {}),
      ...visible(req),
      ...(typeof q.race === 'string' ? { race: q.race } : {}),
      ...(typeof q.contender === 'string' ? { contender: q.contender } : {}),
      since: since(q, ctx.now(), '1d'),
      limit: typeof q.limit === 'string' ? Number(q.limit) || 100 : 100,
      // Shadow rows include the arena's blind match calls: only admins may see them, or a voter could unmask a match.
      includeShadow: q.shadow === 'true' && req.principal.scopes.has('admin'),
    });
    return { object: 'list', data: rows.map(publicRow) };
  });

  app.get('/admin/requests/:id', async (req) => {
    const { id } = req.params as { id: string };
    const row = await ctx.store.requests.getRequest(id);
    const team = teamScope(req, undefined);
    if (!row || (team !== undefined && (row.team !== team || row.shadow)) || !maySee(req.principal, row.race ?? row.contender)) throw new SaimaError('not_found', `No request with id '${id}'.`, 'id');
    return publicRow(row);
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
