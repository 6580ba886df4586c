/**
 * Who may call what: the one table every route of the gateway is registered against. A route missing from it fails
 * the gateway's start (so a new route cannot ship without a decision), and the `onRequest` hook enforces the scope
 * before any handler runs. `sees` says which rows a non-admin key gets back; docs/access.md carries the same table
 * (a test keeps the two equal).
 */
import type { FastifyRequest } from 'fastify';
import { SaimaError } from '../errors.js';
import { hasScope, type Principal, type Scope } from './principal.js';

/** `public`: no key (probes, scrapers, the dashboard's static files); `key`: any valid key; else a scope. */
export type Access = 'public' | 'key' | Scope;

export interface RouteRule {
  access: Access;
  /** What a non-admin key is shown (an admin key sees every team). */
  sees: string;
}

const OWN_TEAM = "its own team's rows; another team's id answers 404 like a missing one";
const ITS_RACES = 'only races (and contenders) the key may call; anything else answers 404 like a missing one';

export const ROUTE_ACCESS: Readonly<Record<string, RouteRule>> = {
  'GET /health': { access: 'public', sees: 'liveness only: counts of configured races and contenders' },
  'GET /ready': { access: 'public', sees: 'store and Redis reachability' },
  'GET /metrics': { access: 'public', sees: 'Prometheus counters per contender and budget (no team or key labels); keep the port private' },
  'GET /ui': { access: 'public', sees: 'a redirect to /ui/' },
  'GET /ui/*': { access: 'public', sees: "the dashboard's static files; every figure they show comes from the keyed APIs below" },
  'POST /v1/chat/completions': { access: 'chat', sees: ITS_RACES },
  'POST /v1/messages': { access: 'chat', sees: ITS_RACES },
  'POST /v1/messages/count_tokens': { access: 'chat', sees: ITS_RACES },
  'POST /v1/responses': { access: 'chat', sees: `${ITS_RACES}; previous_response_id only of its own team's responses (another's answers 404 like a missing one)` },
  'GET /v1/responses/:id': { access: 'chat', sees: "responses stored for its own team (a key without a team: its own); another's id answers 404 like a missing one" },
  'DELETE /v1/responses/:id': { access: 'chat', sees: "responses stored for its own team (a key without a team: its own); another's id answers 404 like a missing one" },
  'POST /v1/embeddings': { access: 'chat', sees: ITS_RACES },
  'GET /v1/models': { access: 'chat', sees: ITS_RACES },
  'POST /v1/feedback': { access: 'feedback', sees: "requests of its own team (and races it may call); one current rating per request" },
  'POST /v1/arena/match': { access: 'arena:vote', sees: ITS_RACES },
  'POST /v1/arena/vote': { access: 'arena:vote', sees: "matches of its own team" },
  'POST /v1/arena/battles': { access: 'arena:vote', sees: 'battles are recorded for its own team, in races it may call' },
  'GET /v1/arena/battles': { access: 'key', sees: `${OWN_TEAM}; only races it may call` },
  'GET /v1/arena/leaderboard': { access: 'key', sees: "a leaderboard of its own team's battles, over races it may call" },
  'GET /admin/session': { access: 'key', sees: 'the key itself' },
  'GET /admin/requests': { access: 'key', sees: `${OWN_TEAM}; only races it may call` },
  'GET /admin/requests/:id': { access: 'key', sees: `${OWN_TEAM}; a refused call's id opens the record that counted it` },
  'GET /admin/feedback': { access: 'key', sees: `${OWN_TEAM}; only races it may call` },
  'GET /admin/spend': { access: 'key', sees: OWN_TEAM },
  'GET /admin/budgets': { access: 'key', sees: 'budgets scoped to its own team' },
  'GET /admin/races': { access: 'key', sees: `${ITS_RACES}; state only (champion, challengers, weights)` },
  'GET /admin/races/:name': { access: 'key', sees: `${ITS_RACES}; evidence from its own team's requests and feedback only, no monitor figures or decisions` },
  'GET /admin/races/:name/decisions': { access: 'admin', sees: 'admin only: decisions carry every team\'s evidence' },
  'POST /admin/races/:name/weights': { access: 'admin', sees: 'admin only' },
  'POST /admin/races/:name/promote': { access: 'admin', sees: 'admin only' },
  'POST /admin/races/:name/rollback': { access: 'admin', sees: 'admin only' },
  'POST /admin/races/:name/unfreeze': { access: 'admin', sees: 'admin only' },
  'POST /admin/keys': { access: 'admin', sees: 'admin only' },
  'GET /admin/keys': { access: 'admin', sees: 'admin only' },
  'DELETE /admin/keys/:id': { access: 'admin', sees: 'admin only' },
  'GET /admin/evals': { access: 'admin', sees: 'admin only' },
  'GET /admin/evals/headlines': { access: 'admin', sees: 'admin only' },
  'GET /admin/evals/:run': { access: 'admin', sees: 'admin only' },
  'GET /admin/gates': { access: 'admin', sees: 'admin only' },
};

/** The rule of a registered route; HEAD answers as its GET. Undefined for a path no route matched (a 404). */
export function ruleFor(method: string, url: string | undefined): RouteRule | undefined {
  if (url === undefined) return undefined;
  return ROUTE_ACCESS[`${method === 'HEAD' ? 'GET' : method} ${url}`];
}

/** Called for every route as it is registered: a route with no rule is a programming error, caught at start. */
export function assertRouteHasRule(method: string | string[], url: string): void {
  for (const m of Array.isArray(method) ? method : [method]) {
    if (!ruleFor(m, url)) throw new Error(`route ${m} ${url} has no entry in ROUTE_ACCESS (src/gateway/route-access.ts): decide who may call it`);
  }
}

/** Refuses a principal that lacks the route's scope (403), after authentication has answered 401 for a bad key. */
export function enforceScope(rule: RouteRule, p: Principal): void {
  if (rule.access === 'public' || rule.access === 'key') return;
  if (!hasScope(p, rule.access)) {
    throw new SaimaError('permission_denied', rule.access === 'admin' ? 'This endpoint needs a key with the admin scope.' : `This endpoint needs a key with the ${rule.access} scope.`);
  }
}

/** Whether a race-limited principal may see a race or contender by this name. */
export function maySee(p: Principal, name: string | null | undefined): boolean {
  return p.races === null || (name != null && p.races.has(name));
}

/** The team a non-admin caller is confined to (undefined for an admin key, who sees all). */
export function confinedTeam(req: FastifyRequest): string | undefined {
  if (req.principal.scopes.has('admin')) return undefined;
  return req.principal.team ?? '\u0000no-team';
}
