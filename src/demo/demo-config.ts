/**
 * The demo's config: examples/demo.yaml, plus each contender's scripted answers to the example suite (from its
 * profile) and the pacing, validated by the ordinary config loader. It refuses anything but `mock` contenders,
 * so the demo cannot reach a network.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { buildConfig } from '../config/load.js';
import type { Config } from '../config/types.js';
import { packageRoot } from '../gateway/routes/ui.js';
import { suiteAnswers } from './eval-answers.js';
import type { Pacing } from './pacing.js';
import { DEMO_RACE, profileOf } from './profiles.js';

export const DEMO_CONFIG_FILE = join(packageRoot(), 'examples', 'demo.yaml');

export interface DemoConfig {
  config: Config;
  /** Gate suites, resolved against the config file. */
  gateSuites: string[];
}

type Doc = {
  contenders: Record<string, { provider?: string; mock?: { answers?: unknown[] } }>;
  races: Record<string, { gate?: { suites: string[] }; policy: Record<string, unknown> }>;
  monitor?: Record<string, unknown>;
  store?: string;
  server?: Record<string, unknown>;
};

export function demoConfig(pacing: Pacing, opts: { store: string; port?: number }): DemoConfig {
  const doc = parseYaml(readFileSync(DEMO_CONFIG_FILE, 'utf8')) as Doc;
  const race = doc.races[DEMO_RACE];
  if (!race?.gate) throw new Error(`${DEMO_CONFIG_FILE}: races.${DEMO_RACE}.gate is missing`);
  const gateSuites = race.gate.suites.map((s) => resolve(dirname(DEMO_CONFIG_FILE), s));
  for (const [name, c] of Object.entries(doc.contenders)) {
    if (c.provider !== 'mock') throw new Error(`${DEMO_CONFIG_FILE}: contenders.${name}: the demo runs only mock simulators`);
    const profile = profileOf(name);
    if (!profile || !c.mock) continue;
    // Scripted suite answers first: the first matching entry wins, and user traffic matches none of them.
    c.mock.answers = [...gateSuites.flatMap((s) => suiteAnswers(s, profile)), ...(c.mock.answers ?? [])];
  }
  race.policy = { ...race.policy, min_samples: pacing.minSamples, min_step_s: pacing.minStepS, tuning: pacing.tuning };
  doc.monitor = { ...doc.monitor, enabled: true, interval_ms: pacing.monitorIntervalMs };
  doc.store = opts.store;
  if (opts.port !== undefined) doc.server = { ...doc.server, port: opts.port };
  return { config: buildConfig(doc, process.env, DEMO_CONFIG_FILE), gateSuites };
}
