/**
 * Blind side-by-side matches. `createMatch` picks an informative pair among the race's arena contenders, asks both
 * for an answer, and returns the two answers labelled only A and B in random order; which contender wrote which
 * stays in the store under the match id. `castVote` records the vote as a battle and only then names them. A match
 * takes one vote: the claim and the battle are one transaction.
 */
import { randomUUID } from 'node:crypto';
import { SaimaError } from '../errors.js';
import type { ArenaMatchRecord, BattleWinner } from '../store/index.js';
import type { ArenaDeps, Caller } from './arena-deps.js';
import { buildBattle } from './battle.js';
import type { Race } from '../config/types.js';
import { appliedCap, requestedCap } from '../metering/output-cap.js';
import { admitAll, callBody, callContender, type CallMeta, type ChatMessage, type Settle, type SpendGuard } from './contender-call.js';
import { detectLanguage } from './language.js';
import { choosePair } from './pairing.js';
import type { PairingStats } from './pairing-stats.js';
import { promptHash, transcript } from './prompt-text.js';
import { arenaContenders } from './race-members.js';
import { styleCounts } from './style.js';

export interface MatchRequest {
  race: string;
  messages: ChatMessage[];
  tags: string[];
  language: string | null;
  /** Body fields passed to both contenders (temperature, max_tokens, …). */
  params: Record<string, unknown>;
}

/** What the voter sees: no contender name, no model id, nothing else from either upstream. */
export interface MatchView {
  id: string;
  object: 'arena.match';
  race: string;
  answers: [{ label: 'A'; content: string }, { label: 'B'; content: string }];
}

export interface VoteResult {
  object: 'arena.vote';
  match_id: string;
  battle_id: string;
  race: string;
  winner: BattleWinner;
  contender_a: string;
  contender_b: string;
}

/** A match whose pair is chosen and whose calls are admitted (paid for in advance), not yet asked. */
export interface OpenedMatch {
  race: Race;
  names: [string, string];
  settles: Array<Settle | undefined>;
  meta: CallMeta;
}

/**
 * Chooses an informative pair among the race's arena contenders (A and B in random order) and admits both calls.
 * Everything that can refuse a match happens here, before anything is asked or streamed.
 */
export async function openMatch(
  deps: ArenaDeps,
  stats: (race: string) => Promise<PairingStats>,
  req: MatchRequest,
  caller: Caller & { guard?: SpendGuard },
): Promise<OpenedMatch> {
  const race = deps.config.races.get(req.race);
  if (!race) throw new SaimaError('not_found', `No race named '${req.race}'.`, 'race');
  const names = arenaContenders(deps.config, race, deps.stateOf(race.name));
  if (names.length < 2) throw new SaimaError('invalid_request', `Race '${race.name}' has fewer than two contenders to compare.`, 'race');
  const s = await stats(race.name);
  const [first, second] = choosePair({ names, battles: s.battles, rating: s.rating, random: deps.random });
  const pair = [first, second].map((name) => deps.config.contenders.get(name)!);
  // Paid matches are sent the output cap they are reserved at: without one of its own, the smaller of the pair's
  // defaults, so neither answer can bill past its reservation.
  const params = caller.guard && requestedCap(req.params, pair[0]).tokens === null ? { ...req.params, max_tokens: Math.min(...pair.map((c) => appliedCap(requestedCap(req.params, c), c))) } : req.params;
  let settles: Array<Settle | undefined> = [undefined, undefined];
  try {
    if (caller.guard) settles = await admitAll(caller.guard, pair.map((c) => ({ contender: c, body: callBody(c, req.messages, params) })));
  } catch (e) {
    // A rate limit names no contender (and carries retry-after); a budget's name might, so it is replaced.
    if (e instanceof SaimaError && e.code === 'budget_exceeded') throw new SaimaError('budget_exceeded', 'A budget of this key or team is spent; no match was made.');
    throw e;
  }
  const meta: CallMeta = { race: race.name, team: caller.team, keyId: caller.keyId, parentId: null, capture: race.capture, kind: 'arena', params };
  return { race, names: [first, second], settles, meta };
}

/** Stores the match (who wrote A and who wrote B stay here until the vote) under `id`. */
export async function storeMatch(deps: ArenaDeps, opened: OpenedMatch, req: MatchRequest, caller: Caller, id: string, answers: [string, string]): Promise<void> {
  const [x, y] = answers;
  const capture = opened.race.capture;
  const prompt = transcript(req.messages);
  const match: ArenaMatchRecord = {
    id,
    ts: deps.now(),
    race: opened.race.name,
    contenderA: opened.names[0],
    contenderB: opened.names[1],
    promptHash: promptHash(prompt),
    prompt: capture ? prompt : null,
    answerA: capture ? x : null,
    answerB: capture ? y : null,
    styleA: await styleCounts(x),
    styleB: await styleCounts(y),
    tags: req.tags,
    language: req.language ?? detectLanguage(prompt),
    team: caller.team,
    keyId: caller.keyId,
    votedAt: null,
    battleId: null,
  };
  await deps.store.battles.createMatch(match);
  await purgeExpiredMatches(deps);
}

/**
 * How long a blind match takes its vote. A voter decides within minutes; a match left unvoted holds both answers and
 * the secret pairing, so it must not live forever: past this age it takes no vote and is deleted.
 */
export const MATCH_VOTE_WINDOW_MS = 24 * 3_600_000;
/** Expired matches are deleted at most this often per store, on the path that creates matches. */
const PURGE_EVERY_MS = 10 * 60_000;
const lastPurge = new WeakMap<object, number>();

async function purgeExpiredMatches(deps: ArenaDeps): Promise<void> {
  const now = deps.now();
  const last = lastPurge.get(deps.store.battles);
  if (last !== undefined && now - last < PURGE_EVERY_MS) return;
  lastPurge.set(deps.store.battles, now);
  await deps.store.battles.purgeMatches(now - MATCH_VOTE_WINDOW_MS);
}

export function newMatchId(): string {
  return `match_${randomUUID()}`;
}

/** Asks both contenders, waits for both answers, stores the match and returns the anonymous view. */
export async function createMatch(
  deps: ArenaDeps,
  stats: (race: string) => Promise<PairingStats>,
  req: MatchRequest,
  caller: Caller & { guard?: SpendGuard },
): Promise<MatchView> {
  const opened = await openMatch(deps, stats, req, caller);
  const settled = await Promise.allSettled(
    opened.names.map((name, i) => callContender(deps, name, req.messages, { ...opened.meta, ...(opened.settles[i] ? { settle: opened.settles[i] } : {}) })),
  );
  // Any failure message could name a contender or quote an upstream: the voter gets a generic one.
  for (const r of settled) {
    if (r.status === 'rejected' || !r.value.ok) throw new SaimaError('upstream_error', 'A contender could not answer, so no match was made; ask for another one.');
  }
  const [x, y] = settled.map((r) => (r.status === 'fulfilled' && r.value.ok ? r.value.text : '')) as [string, string];
  const id = newMatchId();
  await storeMatch(deps, opened, req, caller, id, [x, y]);
  return { id, object: 'arena.match', race: opened.race.name, answers: [{ label: 'A', content: x }, { label: 'B', content: y }] };
}

export async function castVote(deps: ArenaDeps, matchId: string, winner: BattleWinner, caller: Caller): Promise<VoteResult> {
  const match = await deps.store.battles.getMatch(matchId);
  // Another team's match answers exactly like a missing one.
  if (!match || (!caller.admin && match.team !== caller.team)) throw new SaimaError('not_found', `No match with id '${matchId}'.`, 'match_id');
  if (match.votedAt === null && deps.now() - match.ts > MATCH_VOTE_WINDOW_MS) {
    throw new SaimaError('not_found', `Match '${matchId}' has expired: a match takes its vote within 24 hours.`, 'match_id');
  }
  const battle = await buildBattle({
    ts: deps.now(),
    race: match.race,
    prompt: match.prompt,
    promptHash: match.promptHash,
    capture: match.prompt !== null,
    contenderA: match.contenderA,
    contenderB: match.contenderB,
    answerA: match.answerA,
    answerB: match.answerB,
    styleA: match.styleA,
    styleB: match.styleB,
    winner,
    source: 'human',
    voter: caller.keyId ?? 'anonymous',
    team: caller.team,
    tags: match.tags,
    language: match.language,
    details: { match_id: match.id },
  });
  const done = await deps.store.battles.voteMatch(match.id, battle);
  if (done === 'missing') throw new SaimaError('not_found', `No match with id '${matchId}'.`, 'match_id');
  if (done === 'voted') throw new SaimaError('conflict', `Match '${matchId}' already has its vote.`, 'match_id');
  return { object: 'arena.vote', match_id: match.id, battle_id: battle.id, race: match.race, winner, contender_a: match.contenderA, contender_b: match.contenderB };
}
