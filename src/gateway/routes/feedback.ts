/**
 * POST /v1/feedback: a user's verdict on one answer, by the request id Saima returned in `x-saima-request-id`.
 * `score` in [-1, 1], or `thumbs: "up" | "down"`. Stored with the race and contender that served the request, for
 * the race monitor. A request has one current rating: a later one replaces it (every rating stays in the history).
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../context.js';
import { SaimaError } from '../../errors.js';
import { confinedTeam, maySee } from '../route-access.js';
import { admitNoting } from '../refusal-note.js';

function parseFeedback(body: unknown): { requestId: string; score: number; comment: string | null } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new SaimaError('invalid_type', 'The request body must be a JSON object.', 'body');
  const b = body as Record<string, unknown>;
  if (typeof b.request_id !== 'string' || b.request_id === '') throw new SaimaError('missing_required_parameter', "Missing required parameter: 'request_id'.", 'request_id');
  let score: number;
  if (b.score !== undefined && b.score !== null) {
    if (typeof b.score !== 'number' || !Number.isFinite(b.score) || b.score < -1 || b.score > 1) throw new SaimaError('invalid_value', "'score' must be a number from -1 to 1.", 'score');
    score = b.score;
  } else if (b.thumbs === 'up' || b.thumbs === 'down') {
    score = b.thumbs === 'up' ? 1 : -1;
  } else if (b.thumbs !== undefined) {
    throw new SaimaError('invalid_value', "'thumbs' must be \"up\" or \"down\".", 'thumbs');
  } else {
    throw new SaimaError('missing_required_parameter', "Give 'score' (from -1 to 1) or 'thumbs' (\"up\" or \"down\").", 'score');
  }
  if (b.comment !== undefined && b.comment !== null && (typeof b.comment !== 'string' || b.comment.length > 4000)) {
    throw new SaimaError('invalid_value', "'comment' must be a string of at most 4000 characters.", 'comment');
  }
  return { requestId: b.request_id, score, comment: typeof b.comment === 'string' ? b.comment : null };
}

export function registerFeedbackRoute(app: FastifyInstance, ctx: GatewayContext): void {
  app.post('/v1/feedback', async (req, reply) => {
    const ts = ctx.now();
    const fb = parseFeedback(req.body);
    // The rated request is looked up only once admitted: a refused rating names no race.
    await admitNoting(ctx, req, { ts, race: null, contender: null }, () => ctx.admission.admitEvidence(req.principal));
    const served = await ctx.store.requests.getRequest(fb.requestId);
    // Another team's request, or a race the key may not call, answers exactly like a missing one.
    const team = confinedTeam(req);
    if (!served || served.shadow || (team !== undefined && served.team !== team) || !maySee(req.principal, served.race ?? served.contender)) {
      throw new SaimaError('not_found', `No request with id '${fb.requestId}'.`, 'request_id');
    }
    const row = {
      id: `fb-${randomUUID()}`,
      ts: ctx.now(),
      requestId: fb.requestId,
      race: served.race,
      contender: served.contender,
      team: served.team,
      keyId: req.principal.keyId,
      score: fb.score,
      comment: fb.comment,
    };
    await ctx.store.feedback.insertFeedback(row);
    return reply.code(201).send({ id: row.id, object: 'feedback', request_id: row.requestId, race: row.race, contender: row.contender, score: row.score, created: Math.floor(row.ts / 1000) });
  });
}
