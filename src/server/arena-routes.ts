/**
 * The arena over HTTP. `POST /v1/arena/match` (scope `arena:vote`) returns two anonymous answers labelled A and B
 * (with `"stream": true` or `Accept: text/event-stream`, as server-sent events while both are written);
 * `POST /v1/arena/vote` records the vote and only then names the contenders; `POST /v1/arena/battles` (admin or
 * `arena:vote`) records battles; `GET /v1/arena/leaderboard` (any key) is the Bradley–Terry leaderboard;
 * `GET /v1/arena/battles` lists battles (a non-admin key sees its team's). Leaderboards are cached 30 s per query
 * (cleared by battles recorded here). Nothing on the match path sets a contender, race-routing or upstream header,
 * and the body carries only the answers' text.
 */
import { offThreadChecked } from '../gateway/large-body/body-threads.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  castVote, createMatch, startStreamedMatch, LeaderboardCache, PairingStatsCache, parseBattleInputs, parseLeaderboardParams, queryLeaderboard, recordBattles, TagsSchema,
  normaliseLanguage, type ArenaDeps, type BattleInput, type Caller, type LeaderboardReport, type MatchStreamEvent,
  type StreamedMatch,
} from '../arena/index.js';
import { BATTLE_WINNERS, type BattleWinner } from '../store/index.js';
import type { GatewayContext } from '../gateway/context.js';
import { paidCallGuard } from '../gateway/paid-call.js';
import { admitNoting } from '../gateway/refusal-note.js';
import { SaimaError } from '../errors.js';
import { InFlight, SHUTTING_DOWN } from '../gateway/in-flight.js';
import { hasScope } from '../gateway/principal.js';
import { confinedTeam, maySee } from '../gateway/route-access.js';

const MatchBodySchema = z
  .object({
    race: z.string().min(1),
    messages: z.array(z.looseObject({ role: z.enum(['system', 'developer', 'user', 'assistant']), content: z.unknown() })).min(1).optional(),
    prompt: z.string().min(1).optional(),
    tags: TagsSchema,
    language: z.string().optional(),
    temperature: z.number().min(0).max(2).optional(),
    top_p: z.number().min(0).max(1).optional(),
    max_tokens: z.number().int().min(1).optional(),
    stream: z.boolean().optional(),
  })
  .strict()
  .refine((b) => (b.messages === undefined) !== (b.prompt === undefined), { message: "give either 'messages' or 'prompt'", path: ['messages'] });

function checked<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const at = issue.path.join('.');
  throw new SaimaError('invalid_value', `${at ? `${at}: ` : ''}${issue.message}`, at || null);
}

function caller(req: FastifyRequest): Caller {
  return { team: req.principal.team, keyId: req.principal.keyId, admin: req.principal.scopes.has('admin') };
}

function wantsStream(req: FastifyRequest, body: { stream?: boolean | undefined }): boolean {
  if (body.stream !== undefined) return body.stream;
  return (req.headers.accept ?? '').includes('text/event-stream');
}

function sseEvent(event: MatchStreamEvent | { type: 'error'; error: { code: string; message: string } }): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/**
 * Streams a match that is already chosen and admitted. Only the request id header is set: nothing names a side.
 * The voter leaving aborts both calls (their rows are still logged); the response ends after the last event.
 */
async function sendMatchStream(req: FastifyRequest, reply: FastifyReply, match: StreamedMatch, ac: AbortController): Promise<void> {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-saima-request-id': req.id });
  const onClose = () => {
    if (!raw.writableFinished) ac.abort();
  };
  raw.once('close', onClose);
  const emit = (event: MatchStreamEvent) => {
    if (!raw.destroyed) raw.write(sseEvent(event));
  };
  try {
    await match.run(emit, ac.signal);
  } catch (err) {
    req.log.error({ err }, 'streamed arena match failed');
    if (!raw.destroyed) raw.write(sseEvent({ type: 'error', error: { code: 'internal_error', message: 'The match could not be completed; ask for another one.' } }));
  }
  // Cut by the shutdown: both calls were aborted and logged, and the match was not stored; the voter is told why.
  if (InFlight.wasCut(ac.signal) && !raw.destroyed) raw.write(sseEvent({ type: 'error', error: { code: SHUTTING_DOWN, message: 'The gateway is shutting down; ask for another match.' } }));
  raw.off('close', onClose);
  if (!raw.destroyed) raw.end();
}

function requireVoter(req: FastifyRequest): void {
  if (!hasScope(req.principal, 'arena:vote')) throw new SaimaError('permission_denied', 'This endpoint needs a key with the arena:vote scope.');
}

export function registerArenaRoutes(app: FastifyInstance, ctx: GatewayContext): void {
  const deps: ArenaDeps = {
    config: ctx.config,
    attemptDeps: ctx.attemptDeps,
    store: ctx.store,
    now: ctx.now,
    random: ctx.random,
    stateOf: (race) => ctx.raceStates.get(race),
  };
  const pairing = new PairingStatsCache();
  const boards = new LeaderboardCache<LeaderboardReport & { computed_at: number }>(30_000, ctx.now);

  app.post('/v1/arena/match', async (req, reply) => {
    const ts = ctx.now();
    requireVoter(req);
    const body = checked(MatchBodySchema, req.body);
    const allowed = req.principal.races;
    // Same answer whether the race does not exist or the key may not see it.
    if (!ctx.config.races.has(body.race) || (allowed && !allowed.has(body.race))) throw new SaimaError('not_found', `No race named '${body.race}'.`, 'race');
    const language = body.language === undefined ? null : normaliseLanguage(body.language);
    if (body.language !== undefined && language === null) throw new SaimaError('invalid_value', "'language' must be a tag like zh or en.", 'language');
    // An answer must come from the contender it is credited to: a budget that would swap in another refuses.
    const guard = paidCallGuard(ctx, req.principal, body.race, { source: 'arena', budgetsOnly: false, refusal: 'A budget of this key or team is spent; no match was made.' });
    const params = Object.fromEntries(Object.entries({ temperature: body.temperature, top_p: body.top_p, max_tokens: body.max_tokens }).filter(([, v]) => v !== undefined));
    const matchReq = { race: body.race, messages: body.messages ?? [{ role: 'user', content: body.prompt! }], tags: body.tags, language, params };
    const stats = (race: string) => pairing.get(deps, race);
    // Counted like a chat call: a shutdown waits for the match's calls to be logged, and cuts a streamed match that
    // outlives the grace period (a whole-answer match cannot be cut; the shutdown waits for it).
    const ac = new AbortController();
    const leave = ctx.inFlight.enter(ac);
    try {
      // A refused match is counted in the request log with its race; the pair stays unnamed, as the match was blind.
      const refused = { ts, race: body.race, contender: null };
      if (wantsStream(req, body)) {
        // Pairing and admission happen before the first byte, so a refusal is still an ordinary error answer.
        const match = await admitNoting(ctx, req, refused, () => startStreamedMatch(deps, stats, matchReq, { ...caller(req), guard }));
        await sendMatchStream(req, reply, match, ac);
        return reply;
      }
      const match = await admitNoting(ctx, req, refused, () => createMatch(deps, stats, matchReq, { ...caller(req), guard }));
      return await reply.code(201).send(match);
    } finally {
      leave();
    }
  });

  app.post('/v1/arena/vote', async (req) => {
    requireVoter(req);
    const ts = ctx.now();
    const body = checked(z.object({ match_id: z.string().min(1).max(200), winner: z.enum(BATTLE_WINNERS as [BattleWinner, ...BattleWinner[]]) }).strict(), req.body);
    await admitNoting(ctx, req, { ts, race: null, contender: null }, () => ctx.admission.admitEvidence(req.principal));
    const vote = await castVote(deps, body.match_id, body.winner, caller(req));
    boards.clear();
    return vote;
  });

  app.post('/v1/arena/battles', async (req, reply) => {
    requireVoter(req);
    const ts = ctx.now();
    const inputs = (offThreadChecked(req.body) as BattleInput[] | undefined) ?? parseBattleInputs(req.body);
    await admitNoting(ctx, req, { ts, race: null, contender: null }, () => ctx.admission.admitEvidence(req.principal));
    // A race-limited key records battles only in its races (or between contenders it may call directly).
    const hidden = inputs.find((b) => (b.race != null ? !maySee(req.principal, b.race) : !maySee(req.principal, b.contender_a) || !maySee(req.principal, b.contender_b)));
    if (hidden) throw new SaimaError('not_found', hidden.race != null ? `No race named '${hidden.race}'.` : 'No such contenders.', 'race');
    const battles = await recordBattles(deps, inputs, caller(req));
    boards.clear();
    return reply.code(201).send({ object: 'arena.battles', recorded: battles.length, ids: battles.map((b) => b.id) });
  });

  app.get('/v1/arena/battles', async (req) => {
    const q = req.query as Record<string, unknown>;
    const limit = typeof q.limit === 'string' ? Math.min(1000, Math.max(1, Number(q.limit) || 100)) : 100;
    // A key without the admin scope sees only its own team's battles, and a race-limited key only its races'.
    const team = confinedTeam(req);
    if (typeof q.race === 'string' && !maySee(req.principal, q.race)) throw new SaimaError('not_found', `No race named '${q.race}'.`, 'race');
    if (q.race === undefined && req.principal.races) throw new SaimaError('missing_required_parameter', "This key is limited to some races: name one with 'race'.", 'race');
    const rows = await ctx.store.battles.list({
      ...(typeof q.race === 'string' ? { race: q.race } : {}),
      ...(typeof q.tag === 'string' ? { tag: q.tag } : {}),
      ...(team !== undefined ? { team } : {}),
      limit,
    });
    return { object: 'list', data: rows.map((b) => ({ object: 'arena.battle', ...b })) };
  });

  app.get('/v1/arena/leaderboard', async (req) => {
    const parsed = parseLeaderboardParams(req.query as Record<string, unknown>, ctx.now());
    // A non-admin key ranks its own team's battles, over a race it may call (a race-limited key must name one).
    if (parsed.race !== undefined && !maySee(req.principal, parsed.race)) throw new SaimaError('not_found', `No race named '${parsed.race}'.`, 'race');
    if (parsed.race === undefined && req.principal.races) {
      throw new SaimaError('missing_required_parameter', "This key is limited to some races: name one with 'race'.", 'race');
    }
    const team = confinedTeam(req);
    const query = team !== undefined ? { ...parsed, team } : parsed;
    // `since` moves with the clock; round it to the cache lifetime so a polling dashboard still shares results.
    const key = JSON.stringify({ ...query, ...(query.since !== undefined ? { since: Math.floor(query.since / 30_000) } : {}) });
    return boards.get(key, async () => ({ ...(await queryLeaderboard(deps, query)), computed_at: ctx.now() }));
  });
}
