/**
 * The arena API calls of the blind side-by-side page. The match is streamed: a fetch with the key as a Bearer
 * header (EventSource cannot send one), its body read as server-sent events and handed on one by one.
 */
import { createParser } from 'eventsource-parser';
import type { ApiClient } from '../../api/api-client.js';
import type { BattleWinner, MatchStreamEvent, VoteResult } from '../../api/arena-types.js';

/** Resolves when the stream ends; a refusal before it starts (budget, scope, race) rejects with the API error. */
export async function streamMatch(client: ApiClient, race: string, prompt: string, onEvent: (e: MatchStreamEvent) => void, signal?: AbortSignal): Promise<void> {
  const res = await client.request('POST', '/v1/arena/match', { race, messages: [{ role: 'user', content: prompt }], stream: true }, signal);
  if (!res.body) throw new Error('The match stream has no body.');
  const parser = createParser({ onEvent: (msg) => onEvent(JSON.parse(msg.data) as MatchStreamEvent) });
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) parser.feed(r.value);
}

export async function castVote(client: ApiClient, matchId: string, winner: BattleWinner): Promise<VoteResult> {
  return client.post<VoteResult>('/v1/arena/vote', { match_id: matchId, winner });
}
