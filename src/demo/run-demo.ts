/**
 * `saima demo`: the whole story on one machine with no key and no network. Starts the real gateway on a fresh
 * SQLite file with the demo config, seeds an eval run and gate verdicts, lets simulated voters fill the arena, then
 * sends simulated users' traffic and feedback through the HTTP API while the real race monitor decides. Each
 * decision is printed as it lands; the run ends when `signal` aborts.
 */
import type { Config } from '../config/types.js';
import { startServer } from '../server/index.js';
import { followDecisions, type FeedDecision } from './decision-feed.js';
import { demoConfig } from './demo-config.js';
import { freshSqliteStore } from './fresh-store.js';
import { FAST, NORMAL } from './pacing.js';
import { seedEvals } from './seed-evals.js';
import { DEMO_RACE } from './profiles.js';
import { castSimulatedVotes } from './simulated-voters.js';
import { startSimulatedUsers, type SimulatedUsers } from './simulated-users.js';
import { fmtSeconds, gateLine, scoreLine } from './story-lines.js';

export interface DemoOptions {
  fast: boolean;
  traffic: boolean;
  port?: number;
  /** SQLite file, emptied first. */
  storeFile: string;
  signal: AbortSignal;
  print: (line: string) => void;
}

/** Which decisions complete the story: the unstable challenger rolled back, the better one promoted. */
function storyEnd(decisions: readonly FeedDecision[]): boolean {
  return decisions.some((d) => d.action === 'rollback' && d.contender === 'house-model') && decisions.some((d) => d.action === 'promote' && d.contender === 'outside-model');
}

export async function runDemo(o: DemoOptions): Promise<void> {
  const pacing = o.fast ? FAST : NORMAL;
  const started = performance.now();
  const at = () => `[${fmtSeconds((performance.now() - started) / 1000)}]`;
  const { config, gateSuites } = demoConfig(pacing, { store: freshSqliteStore(o.storeFile), ...(o.port !== undefined ? { port: o.port } : {}) });
  const gw = await startServer(config, o.port !== undefined ? { port: o.port } : {});
  let users: SimulatedUsers | null = null;
  let feed: { stop(): void } | null = null;
  try {
    o.print(`saima demo${o.fast ? ' --fast' : ''}: every model and user here is SIMULATED (mock contenders, scripted users); the gateway, store, monitor, evals, gate and arena are real.`);
    o.print(`gateway ${gw.url} · store ${o.storeFile} (fresh) · dashboard ${gw.url}/ui/races/${DEMO_RACE}?demo=1`);

    o.print(`${at()} eval: example suite with twins, through the real runner (simulated contenders)…`);
    const evals = await seedEvals(gw.store, config, gateSuites, o.signal);
    o.print(`${at()} eval run ${evals.runId}: ${gw.url}/ui/evals/${evals.runId}`);
    for (const c of evals.contenders) o.print(`${at()}   ${scoreLine(c)}`);
    for (const g of evals.gates) o.print(`${at()} ${gateLine(g)}`);
    if (o.signal.aborted) return;

    const votes = await castSimulatedVotes(gw.url, pacing.arenaVotes, answerAuthors(config), { signal: o.signal });
    o.print(`${at()} arena: ${votes} blind votes by simulated users recorded; leaderboard at ${gw.url}/ui/leaderboard`);
    if (!o.traffic) {
      o.print(`${at()} no traffic (--no-traffic): the race stays as configured. Ctrl-C to stop.`);
    } else {
      users = startSimulatedUsers(gw.url, { rps: pacing.rps });
      o.print(`${at()} simulated users: ${pacing.rps} requests/s to race ${DEMO_RACE}, half of the answers rated; monitor looks every ${pacing.monitorIntervalMs / 1000} s`);
      const seen: FeedDecision[] = [];
      let done = false;
      feed = followDecisions(gw.url, DEMO_RACE, Math.min(1000, pacing.monitorIntervalMs), (d) => {
        seen.push(d);
        o.print(`${at()} decision ${d.action.padEnd(8)} ${d.contender ?? '—'}: ${d.reason ?? ''}${d.actor ? ` (by ${d.actor})` : ''}`);
        if (!done && storyEnd(seen)) {
          done = true;
          const s = users!.stats;
          o.print(`${at()} story complete: house-model rolled back, outside-model promoted, after ${s.requests} simulated requests (${s.rated} rated). Traffic goes on; Ctrl-C to stop.`);
        }
      });
    }
    await new Promise<void>((resolve) => (o.signal.aborted ? resolve() : o.signal.addEventListener('abort', () => resolve(), { once: true })));
  } finally {
    feed?.stop();
    await users?.stop();
    await gw.close();
  }
}

/** Each simulated contender's own answer (its `mock.default_answer`) → the contender: what simulated voters recognise. */
function answerAuthors(config: Config): Map<string, string> {
  const out = new Map<string, string>();
  for (const c of config.contenders.values()) if (c.mock) out.set(c.mock.default_answer.trim(), c.name);
  return out;
}
