import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildConfig, ConfigError } from '../../src/config/load.js';

const base = () => ({
  contenders: {
    a: { provider: 'mock', model: 'a' },
    b: { provider: 'mock', model: 'b' },
  },
  races: { assistant: { champion: 'a', challengers: [{ contender: 'b', weight: 10 }] } },
});

function problems(doc: unknown, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    buildConfig(doc, env);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
  return [];
}

const CASES: Array<[string, (d: ReturnType<typeof base>) => unknown, string]> = [
  ['negative weight', (d) => ((d.races.assistant.challengers[0]!.weight = -1), d), 'races.assistant.challengers[0].weight: must be ≥ 0'],
  ['weights over 100', (d) => ((d.races.assistant.challengers[0]!.weight = 101), d), 'races.assistant.challengers[0].weight: must be ≤ 100'],
  ['unknown champion', (d) => ((d.races.assistant.champion = 'zzz'), d), 'races.assistant.champion: unknown contender "zzz"'],
  ['unknown key', (d) => ({ ...d, serverz: {} }), '(root): unknown key "serverz"'],
  ['typo in contender', (d) => (((d.contenders.a as Record<string, unknown>).modle = 'x'), d), 'contenders.a: unknown key "modle"'],
  ['missing model', (d) => (delete (d.contenders.a as Record<string, unknown>).model, d), 'contenders.a.model: is required'],
  ['race named like a contender', (d) => ({ ...d, races: { a: { champion: 'b' } } }), 'races.a: a race cannot share its name with a contender'],
  ['duplicate challenger', (d) => ((d.races.assistant.challengers = [{ contender: 'b', weight: 1 }, { contender: 'b', weight: 1 }]), d), 'races.assistant.challengers[1].contender: "b" is already in this race'],
  ['openai without base_url', (d) => ((d.contenders.a = { provider: 'openai', model: 'x' } as never), d), 'contenders.a.base_url: is required for provider openai without a preset'],
  ['preset without key', (d) => ((d.contenders.a = { preset: 'deepseek', model: 'deepseek-chat' } as never), d), 'contenders.a.api_key: not given and DEEPSEEK_API_KEY is not set'],
  ['bad mock regex', (d) => ((d.contenders.a = { provider: 'mock', model: 'a', mock: { answers: [{ match: '(unclosed', answer: 'x' }] } } as never), d), 'contenders.a.mock.answers[0].match: not a valid regular expression'],
  ['responses on a mock contender', (d) => (((d.contenders.a as Record<string, unknown>).responses = true), d), 'contenders.a.responses: only an openai contender can pass Responses API requests through (this one speaks mock)'],
  ['responses not a boolean', (d) => ((d.contenders.a = { provider: 'openai', base_url: 'http://127.0.0.1:9/v1', model: 'x', responses: 'yes' } as never), d), 'contenders.a.responses: expected boolean'],
  ['unknown thinking switch', (d) => ((d.contenders.a = { provider: 'openai', base_url: 'http://127.0.0.1:9/v1', model: 'x', quirks: { thinking_switch: 'enable' } } as never), d), 'contenders.a.quirks.thinking_switch: expected one of "thinking", "enable_thinking", "none"'],
  ['unset env var', (d) => ((d.contenders.a = { preset: 'deepseek', model: 'x', api_key: '${NOPE_KEY}' } as never), d), 'contenders.a.api_key: environment variable NOPE_KEY is not set'],
];

for (const [name, mutate, expected] of CASES) {
  test(`config error: ${name}`, () => {
    const found = problems(mutate(base()));
    assert.ok(found.some((p) => p.startsWith(expected)), `expected "${expected}" in ${JSON.stringify(found)}`);
  });
}

test('a valid config links presets, env keys and defaults, and is frozen', () => {
  const cfg = buildConfig(
    {
      contenders: {
        ds: { preset: 'deepseek', model: 'deepseek-chat', price: { input: 2, output: 3 } },
        local: { preset: 'ollama', model: 'qwen2.5:7b' },
        m: { provider: 'mock', model: 'm' },
      },
      races: { r: { champion: 'ds', challengers: [{ contender: 'local', weight: 5 }], fallbacks: ['m'] } },
    },
    { DEEPSEEK_API_KEY: 'sk-test-123456789' },
  );
  const ds = cfg.contenders.get('ds')!;
  assert.equal(ds.baseUrl, 'https://api.deepseek.com/v1');
  assert.equal(ds.apiKey, 'sk-test-123456789');
  assert.equal(ds.quirks.developerRole, 'system');
  assert.deepEqual(ds.price, { input: 2, cachedInput: 2, output: 3, currency: 'CNY' });
  assert.equal(cfg.contenders.get('local')!.apiKey, null);
  assert.equal(cfg.contenders.get('m')!.mock!.error_rate, 0);
  assert.ok(Object.isFrozen(cfg.races.get('r')));
  assert.throws(() => ((cfg.server as { port: number }).port = 1));
});

test('${VAR:-default} falls back when the variable is unset', () => {
  const cfg = buildConfig({ contenders: { v: { provider: 'openai', model: 'x', base_url: '${VLLM_URL:-http://127.0.0.1:9/v1}' } } }, {});
  assert.equal(cfg.contenders.get('v')!.baseUrl, 'http://127.0.0.1:9/v1');
});

test('thinking_switch: each preset\'s switch, a contender\'s own quirk over its preset, Anthropic\'s object without a preset', () => {
  const cfg = buildConfig(
    {
      contenders: {
        qwen: { preset: 'qwen', model: 'qwen-plus', api_key: 'sk-test' },
        kimi: { preset: 'moonshot', model: 'kimi-k2.5', api_key: 'sk-test' },
        gpt: { preset: 'openai', model: 'gpt-4.1', api_key: 'sk-test' },
        local: { preset: 'vllm', model: 'Qwen/Qwen3-8B', quirks: { thinking_switch: 'thinking' } },
        glm: { provider: 'openai', base_url: 'http://127.0.0.1:9/v1', model: 'glm-4.6' },
      },
    },
    {},
  );
  const of = (name: string) => cfg.contenders.get(name)!.quirks.thinkingSwitch;
  assert.deepEqual(['qwen', 'kimi', 'gpt', 'local', 'glm'].map(of), ['enable_thinking', 'thinking', 'none', 'thinking', 'thinking']);
});
