/**
 * /admin/races: the live state of each race, its per-contender evidence and decisions, and manual set-weight,
 * promote and rollback (admin scope, with a required reason; each is logged as a decision).
 */
import { snakeKeys } from '../snake-case.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { promote, rollback, setWeight, unfreeze } from '../../race/race-control.js';
import type { RaceState } from '../../race/race-state.js';
import type { Change } from '../../race/race-states.js';
import type { GatewayContext } from '../context.js';
import { SaimaError } from '../../errors.js';
import { confinedTeam, maySee } from '../route-access.js';

function body(req: { body: unknown }): Record<string, unknown> {
  const b = req.body;
  if (typeof b !== 'object' || b === null || Array.isArray(b)) throw new SaimaError('invalid_type', 'The request body must be a JSON object.', 'body');
  return b as Record<string, unknown>;
}

function str(b: Record<string, unknown>, key: string): string {
  const v = b[key];
  if (typeof v !== 'string' || v === '') throw new SaimaError('missing_required_parameter', `Missing required parameter: '${key}'.`, key);
  return v;
}

/**
 * A race's report. `team` (a non-admin caller's) narrows the evidence to that team's requests and feedback and leaves
 * out what pools every team's traffic: the monitor's figures and the decisions (their details quote them).
 */
function reasonOf(b: Record<string, unknown>): string | undefined {
  const v = b.reason;
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.length > 2000) throw new SaimaError('invalid_type', "'reason' must be a string of at most 2000 characters.", 'reason');
  return v;
}

function weightOf(b: Record<string, unknown>): number {
  if (typeof b.weight !== 'number' || !Number.isFinite(b.weight)) throw new SaimaError('invalid_type', "'weight' must be a number.", 'weight');
  return b.weight;
}

export async function raceReport(ctx: GatewayContext, name: string, team?: string) {
  const state = ctx.raceStates.get(name);
  const view = ctx.races.get(name);
  if (!state || !view) throw new SaimaError('not_found', `No race named '${name}'.`, 'race');
  const since = Math.min(state.championSince, ...state.challengers.map((c) => c.since));
  const [aggregates, feedback, decisions] = await Promise.all([
    ctx.store.requests.aggregateByContender(name, since, team !== undefined ? { team } : {}),
    ctx.store.feedback.aggregateByContender(name, since, team),
    team === undefined ? ctx.store.decisions.list(name, { limit: 50 }) : Promise.resolve([]),
  ]);
  return {
    object: 'race',
    name,
    description: view.race.description,
    champion: state.champion,
    champion_since: state.championSince,
    frozen: state.frozen,
    version: ctx.raceStates.version(name),
    weights: view.entries.map((e) => ({ contender: e.name, weight: e.weight })),
    challengers: state.challengers,
    contenders: aggregates.map(snakeKeys),
    feedback,
    monitor: team === undefined ? (ctx.monitorStatus?.(name) ?? null) : null,
    decisions,
  };
}

export function registerAdminRaceRoutes(app: FastifyInstance, ctx: GatewayContext): void {
  // A race-limited key sees only its races; any other name answers 404 exactly like a missing race.
  const visibleRace = (req: FastifyRequest): string => {
    const { name } = req.params as { name: string };
    if (!ctx.races.get(name) || !maySee(req.principal, name)) throw new SaimaError('not_found', `No race named '${name}'.`, 'race');
    return name;
  };

  app.get('/admin/races', async (req) => ({
    object: 'list',
    data: ctx.races.names().filter((name) => maySee(req.principal, name)).map((name) => {
      const s = ctx.raceStates.get(name)!;
      return { name, champion: s.champion, challengers: s.challengers, frozen: s.frozen, weights: ctx.races.get(name)!.entries };
    }),
  }));

  app.get('/admin/races/:name', async (req) => raceReport(ctx, visibleRace(req), confinedTeam(req)));

  app.get('/admin/races/:name/decisions', async (req) => {
    const name = visibleRace(req);
    return { object: 'list', data: await ctx.store.decisions.list(name, { limit: 500 }) };
  });

  type Act = (s: RaceState, b: Record<string, unknown>, actor: string, now: number) => Change;
  const actions: Record<string, Act> = {
    weights: (s, b, actor, now) => setWeight(s, ctx.config, str(b, 'contender'), weightOf(b), reasonOf(b), actor, now),
    promote: (s, b, actor, now) => promote(s, str(b, 'contender'), reasonOf(b), actor, now),
    rollback: (s, b, actor, now) => rollback(s, str(b, 'contender'), reasonOf(b), actor, now),
    unfreeze: (s, b, actor, now) => unfreeze(s, reasonOf(b), actor, now),
  };

  for (const [path, act] of Object.entries(actions)) {
    app.post(`/admin/races/:name/${path}`, async (req) => {
      const name = visibleRace(req);
      const b = body(req);
      const actor = req.principal.keyId ?? 'anonymous';
      const done = await ctx.raceStates.update(name, (s) => act(s, b, actor, ctx.now()));
      return { object: 'race.decision', decision: done!.decision, race: await raceReport(ctx, name) };
    });
  }
}
