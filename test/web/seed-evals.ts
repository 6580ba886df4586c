/**
 * An eval run made by the real runner against the seeded gateway's store: the bilingual arithmetic suite with
 * resampled-number and renamed-entity twins, two samples per item. For the run the mock contenders get scripted
 * answers (the same names, models and base URLs, so the cache keys are the gateway's): `house-model` answers most
 * variants right, `outside-model` knows only the published originals (a memorised benchmark: its gap must be
 * flagged), `small-model` gets about half right everywhere.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { buildConfig } from '../../src/config/load.js';
import { createRun } from '../../src/eval/create-run.js';
import { executeRun } from '../../src/eval/runner.js';
import { ProviderRegistry } from '../../src/providers/registry.js';
import type { Store } from '../../src/store/index.js';
import type { Config } from '../../src/config/types.js';
import type { Money } from '../../src/eval/money.js';
import type { TwinKind } from '../../src/eval/twins/twin-types.js';
import { ROOT } from '../support/browser.js';

export const SUITE = join(ROOT, 'examples', 'suites', 'arithmetic-bilingual.yaml');

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * `twins` replaces the two kinds; `maxCost` caps the run's spend as `--max-cost` does (on fresh calls, not the
 * cached answers of an earlier run), and a run stopped by it is returned as it stopped (else the run must finish).
 */
export async function seedEvalRun(store: Store, config: Config, opts: { twins?: TwinKind[]; maxCost?: Money } = {}): Promise<string> {
  const run = await createRun(store, config, { suites: [SUITE], contenders: ['house-model', 'outside-model', 'small-model'], samples: 2, twins: opts.twins ?? ['resample-numbers', 'rename-entities'], concurrency: 8, ...(opts.maxCost ? { fresh: true } : {}) });
  const script = (keep: (v: (typeof run.plan.variants)[number], i: number) => boolean) =>
    run.plan.variants.flatMap((v, i) => {
      const user = [...v.messages].reverse().find((m) => m.role === 'user');
      return user && keep(v, i) ? [{ match: `^${escape(user.content)}$`, answer: `Working it out step by step.\nAnswer: ${String(v.expected)}` }] : [];
    });
  const mock = (model: string, answers: unknown[]) => ({ provider: 'mock', model, price: { input: 2, output: 8, currency: 'CNY' }, mock: { answers, default_answer: 'I am not sure.\nAnswer: 7' } });
  const scripted = buildConfig(
    {
      store: 'sqlite::memory:',
      contenders: {
        'house-model': mock('house-7b', script((_v, i) => i % 9 !== 4)),
        'outside-model': mock('outside-v3', script((v) => v.kind === 'original')),
        'small-model': mock('small-1b', script((_v, i) => i % 2 === 0)),
      },
    },
    {},
  );
  const outcome = await executeRun(run.id, { store, config: scripted, providers: new ProviderRegistry(), ...(opts.maxCost ? { maxCost: opts.maxCost } : {}) });
  if (opts.maxCost) assert.match(outcome.stopReason ?? '', /^cost cap reached/, `eval run under a cap: ${outcome.status}`);
  else assert.equal(outcome.status, 'done', `eval run stopped: ${outcome.stopReason}`);
  return run.id;
}
