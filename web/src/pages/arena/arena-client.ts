/** The arena API calls of the blind side-by-side page. */
import type { ApiClient } from '../../api/api-client.js';
import type { BattleWinner, MatchView, VoteResult } from '../../api/arena-types.js';

export async function requestMatch(client: ApiClient, race: string, prompt: string, signal?: AbortSignal): Promise<MatchView> {
  return client.post<MatchView>('/v1/arena/match', { race, messages: [{ role: 'user', content: prompt }] }, signal);
}

export async function castVote(client: ApiClient, matchId: string, winner: BattleWinner): Promise<VoteResult> {
  return client.post<VoteResult>('/v1/arena/vote', { match_id: matchId, winner });
}
