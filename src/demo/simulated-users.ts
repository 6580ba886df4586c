/**
 * Simulated users: they call the race through the gateway's real HTTP API, as any application would
 * (POST /v1/chat/completions, streamed, with a stable `user` so the race's sticky assignment applies), and rate
 * some answers through POST /v1/feedback. A user's thumbs up or down is drawn from the profile of the contender
 * that served it (the `x-saima-contender` header); a failed or cut answer is rated down. These draws, and the
 * mock contenders, are the only simulated parts: the gateway logs and the monitor judges them like any traffic.
 */
import { DEMO_RACE, profileOf, RATED_SHARE } from './profiles.js';
import { USER_PROMPTS } from './user-prompts.js';

export interface TrafficStats {
  requests: number;
  failed: number;
  rated: number;
  byContender: Record<string, number>;
}

export interface SimulatedUsers {
  readonly stats: TrafficStats;
  stop(): Promise<void>;
}

const USERS = 400;
const MAX_IN_FLIGHT = 64;

export function startSimulatedUsers(baseUrl: string, opts: { rps: number; random?: () => number }): SimulatedUsers {
  const random = opts.random ?? Math.random;
  const stats: TrafficStats = { requests: 0, failed: 0, rated: 0, byContender: {} };
  const inFlight = new Set<Promise<void>>();
  let stopping = false;
  let seq = 0;

  const one = async (): Promise<void> => {
    const user = `sim-user-${Math.floor(random() * USERS)}`;
    const prompt = USER_PROMPTS[seq++ % USER_PROMPTS.length]!;
    let contender: string | null = null;
    let requestId: string | null = null;
    let ok = false;
    try {
      const res = await fetch(`${baseUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: DEMO_RACE, user, stream: true, messages: [{ role: 'user', content: prompt }] }),
      });
      contender = res.headers.get('x-saima-contender');
      requestId = res.headers.get('x-saima-request-id');
      const text = await res.text();
      // A stream that was cut ends with an error event and without [DONE].
      ok = res.ok && text.includes('data: [DONE]') && !text.includes('"error"');
    } catch {
      // Counted as a failure below: a user whose request died sees no answer.
    }
    stats.requests++;
    if (!ok) stats.failed++;
    if (contender) stats.byContender[contender] = (stats.byContender[contender] ?? 0) + 1;
    if (!requestId || !contender || random() >= RATED_SHARE) return;
    const thumbsUp = ok && random() < (profileOf(contender)?.thumbsUp ?? 0.5);
    const fb = await fetch(`${baseUrl}/v1/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ request_id: requestId, thumbs: thumbsUp ? 'up' : 'down', comment: 'simulated user' }),
    }).catch(() => null);
    if (fb?.ok) stats.rated++;
  };

  // Poisson arrivals at the given rate: a steady trickle, not bursts on a timer.
  let timer: NodeJS.Timeout | null = null;
  const schedule = () => {
    timer = setTimeout(() => {
      if (stopping) return;
      if (inFlight.size < MAX_IN_FLIGHT) {
        const p = one().finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
      schedule();
    }, (-Math.log(1 - random()) / opts.rps) * 1000);
  };
  schedule();

  return {
    stats,
    /** No new requests; the ones in flight (a second at most with these profiles) finish and are rated. */
    async stop() {
      stopping = true;
      if (timer) clearTimeout(timer);
      await Promise.allSettled([...inFlight]);
    },
  };
}
