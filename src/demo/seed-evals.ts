/**
 * Seeds what a team would have done before the race: one eval run of the example suite (with its twins) for all
 * three contenders, through the real eval runner and the contenders' mock simulators, and a launch-gate verdict
 * for each challenger against the champion, stored exactly as `saima gate` stores it.
 */
import type { Config } from '../config/types.js';
import { createRun } from '../eval/create-run.js';
import { evaluateGate, gateSettingsFrom, newGateId, type GateCheck } from '../eval/gate.js';
import { buildReport, type ContenderReport } from '../eval/report.js';
import { loadRunResults } from '../eval/run-results.js';
import { executeRun } from '../eval/runner.js';
import { ProviderRegistry } from '../providers/registry.js';
import type { Store } from '../store/index.js';
import { DEMO_RACE } from './profiles.js';

export interface GateOutcome {
  challenger: string;
  passed: boolean;
  failed: GateCheck[];
}

export interface SeededEvals {
  runId: string;
  contenders: ContenderReport[];
  gates: GateOutcome[];
}

export async function seedEvals(store: Store, config: Config, suites: string[], signal: AbortSignal): Promise<SeededEvals> {
  const race = config.races.get(DEMO_RACE)!;
  const challengers = race.challengers.map((c) => c.contender);
  const gate = race.gate!;
  const run = await createRun(store, config, {
    suites,
    contenders: [race.champion, ...challengers],
    samples: gate.samples,
    twins: null,
    // The simulators answer in ~0.1 s and cost nothing real: a wide window keeps the seed to a few seconds.
    concurrency: 32,
    alpha: gate.alpha,
  });
  const providers = new ProviderRegistry();
  try {
    await executeRun(run.id, { store, config, providers, signal });
  } finally {
    await providers.close();
  }
  const results = await loadRunResults(store, config, run.id);
  const report = buildReport(results);
  const settings = gateSettingsFrom(gate, suites);
  const gates: GateOutcome[] = [];
  for (const challenger of challengers) {
    const verdict = evaluateGate(results, report, challenger, settings.notWorseThanChampion ? race.champion : null, settings);
    await store.evals.insertGate({ id: newGateId(), ts: Date.now(), race: DEMO_RACE, challenger, passed: verdict.passed, reasons: verdict.checks, runId: run.id });
    gates.push({ challenger, passed: verdict.passed, failed: verdict.checks.filter((c) => !c.ok) });
  }
  return { runId: run.id, contenders: report.contenders, gates };
}
