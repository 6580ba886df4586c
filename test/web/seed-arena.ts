/**
 * Arena battles for the leaderboard, through POST /v1/arena/battles: three contenders of the race with fixed
 * strengths (Bradley–Terry, Elo scale), outcomes drawn from a seeded generator, tagged by topic and language so
 * the page's filters have something to narrow.
 */
import assert from 'node:assert/strict';

const STRENGTH: Record<string, number> = { 'house-model': 1080, 'outside-model': 1000, 'small-model': 880 };

/** A small LCG, so the battles (and the screenshots) are the same on every run. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export async function seedBattles(url: string, key: string, n = 180): Promise<void> {
  const names = Object.keys(STRENGTH);
  const rand = lcg(7);
  const data = Array.from({ length: n }, (_, i) => {
    const a = names[i % 3]!;
    const b = names[(i + 1 + (i % 2)) % 3]!;
    const pa = 1 / (1 + 10 ** ((STRENGTH[b]! - STRENGTH[a]!) / 400));
    const r = rand();
    const winner = r < 0.1 ? 'tie' : r < 0.14 ? 'tie_bothbad' : rand() < pa ? 'a' : 'b';
    const zh = i % 3 === 0;
    return {
      race: 'assistant',
      prompt: zh ? `第 ${i} 个问题：如何重置密码？` : `Question ${i}: how do I reset my password?`,
      contender_a: a,
      contender_b: b,
      winner,
      tags: [i % 2 === 0 ? 'support' : 'coding'],
      language: zh ? 'zh' : 'en',
    };
  });
  const res = await fetch(`${url}/v1/arena/battles`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ data }) });
  assert.equal(res.status, 201, await res.text());
}
