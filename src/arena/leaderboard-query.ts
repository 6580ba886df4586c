/**
 * A leaderboard over the battles table: all battles, or one race's (every battle between two of its members, see
 * race-members.ts), narrowed by tag, language, source and time.
 */
import { SaimaError } from '../errors.js';
import type { BattleFilter, BattleSource } from '../store/index.js';
import type { ArenaDeps } from './arena-deps.js';
import type { Leaderboard, LeaderboardOptions } from './leaderboard.js';
import { sharedLeaderboardWorker } from './leaderboard-worker.js';
import { isRetired, raceMembers } from './race-members.js';

export interface LeaderboardQuery extends LeaderboardOptions {
  race?: string;
  tag?: string;
  language?: string;
  sources?: readonly BattleSource[];
  since?: number;
  /** Only battles recorded by this team (a non-admin caller's view). */
  team?: string;
}

export interface LeaderboardReport extends Leaderboard {
  race: string | null;
  tag: string | null;
  language: string | null;
  sources: BattleSource[] | null;
}

/** The battle filter and member list of a query; a race unknown to both the config and the battles is an error. */
export async function leaderboardScope(deps: Pick<ArenaDeps, 'config' | 'store' | 'stateOf'>, q: LeaderboardQuery): Promise<{ filter: BattleFilter; members: string[] | undefined }> {
  const filter: BattleFilter = {
    ...(q.tag !== undefined ? { tag: q.tag } : {}),
    ...(q.language !== undefined ? { language: q.language } : {}),
    ...(q.sources !== undefined ? { sources: q.sources } : {}),
    ...(q.since !== undefined ? { since: q.since } : {}),
    ...(q.team !== undefined ? { team: q.team } : {}),
  };
  if (q.race === undefined) return { filter, members: undefined };
  const recorded = await deps.store.battles.contenders({ race: q.race });
  const race = deps.config.races.get(q.race);
  if (!race && recorded.length === 0) throw new SaimaError('not_found', `No race named '${q.race}'.`, 'race');
  const members = race ? raceMembers(race, deps.stateOf(q.race), recorded) : recorded;
  return { filter: { ...filter, contenders: members }, members };
}

export async function queryLeaderboard(deps: Pick<ArenaDeps, 'config' | 'store' | 'stateOf'>, q: LeaderboardQuery): Promise<LeaderboardReport> {
  const { filter, members } = await leaderboardScope(deps, q);
  const [counts, errors, styled] = await Promise.all([
    deps.store.battles.pairCounts(filter),
    deps.store.battles.countErrors(filter),
    q.style ? deps.store.battles.styled(filter) : Promise.resolve(undefined),
  ]);
  const states = q.race !== undefined ? [deps.stateOf(q.race)] : [...deps.config.races.keys()].map((r) => deps.stateOf(r));
  // The fit runs on a worker thread: at a million battles its bootstrap is a second of CPU.
  const board = await sharedLeaderboardWorker.compute(
    { counts, errors, ...(styled ? { styled } : {}), ...(members ? { members } : {}), retired: (name) => isRetired(name, deps.config, states) },
    q,
  );
  return { ...board, race: q.race ?? null, tag: q.tag ?? null, language: q.language ?? null, sources: q.sources ? [...q.sources] : null };
}
