/**
 * Simulated arena voters: blind side-by-side matches through the real arena API (POST /v1/arena/match, then
 * /v1/arena/vote), so the leaderboard's Bradley–Terry ratings and CIs come from stored battles. A voter reads the
 * two answers, which never name their contender (the arena stays blind to anyone watching), and likes each with the
 * probability of the profile whose answer it is — each simulated contender has an answer of its own, as a real model
 * has a style a reader recognises only by its quality: the one it liked wins, a tie if it liked both, `tie_bothbad`
 * if neither. The draws are the simulated part; pairing, storage and ratings are the real ones.
 */
import { DEMO_RACE, PROFILES } from './profiles.js';
import { USER_PROMPTS } from './user-prompts.js';

interface MatchBody {
  id: string;
  answers: Array<{ label: string; content: string }>;
}

function likes(answer: string, authors: ReadonlyMap<string, string>, random: () => number): boolean {
  // An answer cut short by a token limit is still recognised by its opening.
  const text = answer.trim();
  const author = authors.get(text) ?? (text.length >= 16 ? [...authors].find(([own]) => own.startsWith(text))?.[1] : undefined);
  const profile = PROFILES.find((p) => p.contender === author);
  return random() < (profile?.thumbsUp ?? 0.5);
}

/**
 * Casts `count` votes, a few at a time; returns how many were recorded. A match that fails is skipped. `authors`:
 * each simulated contender's answer text → the contender (from the demo config), what the voter's taste reads.
 */
export async function castSimulatedVotes(baseUrl: string, count: number, authors: ReadonlyMap<string, string>, opts: { random?: () => number; signal?: AbortSignal } = {}): Promise<number> {
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
      const likeA = likes(a.content, authors, random);
      const likeB = likes(b.content, authors, random);
      const winner = likeA && likeB ? 'tie' : likeA ? 'a' : likeB ? 'b' : 'tie_bothbad';
      const vote = await post('/v1/arena/vote', { match_id: match.id, winner }).catch(() => null);
      if (vote?.ok) recorded++;
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return recorded;
}
