/**
 * Simulated arena voters: blind side-by-side matches through the real arena API (POST /v1/arena/match, then
 * /v1/arena/vote), so the leaderboard's Bradley–Terry ratings and CIs come from stored battles. A voter reads the
 * two answers; the mock answers name the contender that wrote them ("… from outside-model (simulated)"), and the
 * voter's liking of each is drawn from that contender's profile: the one it liked wins, a tie if it liked both,
 * `tie_bothbad` if neither. The draws are the simulated part; pairing, storage and ratings are the real ones.
 */
import { DEMO_RACE, PROFILES } from './profiles.js';
import { USER_PROMPTS } from './user-prompts.js';

interface MatchBody {
  id: string;
  answers: Array<{ label: string; content: string }>;
}

function likes(answer: string, random: () => number): boolean {
  const profile = PROFILES.find((p) => answer.includes(`from ${p.contender} (simulated)`));
  return random() < (profile?.thumbsUp ?? 0.5);
}

/** Casts `count` votes, a few at a time; returns how many were recorded. A match that fails is skipped. */
export async function castSimulatedVotes(baseUrl: string, count: number, opts: { random?: () => number; signal?: AbortSignal } = {}): Promise<number> {
  const random = opts.random ?? Math.random;
  let recorded = 0;
  let next = 0;
  const worker = async () => {
    while (next < count && !opts.signal?.aborted) {
      const i = next++;
      const post = (path: string, body: unknown) =>
        fetch(`${baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: opts.signal });
      const res = await post('/v1/arena/match', { race: DEMO_RACE, prompt: USER_PROMPTS[i % USER_PROMPTS.length], tags: ['simulated'] }).catch(() => null);
      if (!res?.ok) continue;
      const match = (await res.json()) as MatchBody;
      const [a, b] = match.answers;
      if (!a || !b) continue;
      const likeA = likes(a.content, random);
      const likeB = likes(b.content, random);
      const winner = likeA && likeB ? 'tie' : likeA ? 'a' : likeB ? 'b' : 'tie_bothbad';
      const vote = await post('/v1/arena/vote', { match_id: match.id, winner }).catch(() => null);
      if (vote?.ok) recorded++;
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return recorded;
}
