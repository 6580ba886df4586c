/**
 * Config phases: YAML → ${ENV} interpolation → zod parse → link (names resolve, presets applied) → deep freeze.
 * Every problem is reported as `path: problem`, e.g. `races.assistant.challengers[1].weight: must be ≥ 0`.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ConfigSchema, type RawConfig, type RawContender } from './schema.js';
import { PRESETS } from './presets.js';
import { registerSecretValues, urlSecrets } from './secret-values.js';
import type { Config, Contender, Race } from './types.js';

export class ConfigError extends Error {
  constructor(readonly problems: string[], readonly file: string | null = null) {
    super(`${file ? `${file}: ` : ''}${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || '(root)';
}

/** Replaces `${VAR}` and `${VAR:-default}` in every string of the parsed document. */
export function interpolate(node: unknown, env: NodeJS.ProcessEnv, path: PropertyKey[] = [], problems: string[] = []): unknown {
  if (typeof node === 'string') {
    return node.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_m, name: string, fallback?: string) => {
      const value = env[name];
      if (value !== undefined && value !== '') return value;
      if (fallback !== undefined) return fallback;
      problems.push(`${formatPath(path)}: environment variable ${name} is not set`);
      return '';
    });
  }
  if (Array.isArray(node)) return node.map((v, i) => interpolate(v, env, [...path, i], problems));
  if (node && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) out[k] = interpolate(v, env, [...path, k], problems);
    return out;
  }
  return node;
}

function zodProblems(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') return `${formatPath([...issue.path])}: unknown key ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    if (issue.code === 'invalid_type' && issue.input === undefined) return `${formatPath([...issue.path])}: is required`;
    return `${formatPath([...issue.path])}: ${issue.message}`;
  });
}

function linkContender(name: string, raw: RawContender, env: NodeJS.ProcessEnv, problems: string[]): Contender | null {
  const at = `contenders.${name}`;
  const preset = raw.preset ? PRESETS[raw.preset] : null;
  const protocol = raw.provider ?? preset?.protocol ?? (raw.mock ? 'mock' : null);
  if (!protocol) {
    problems.push(`${at}: needs a provider (openai, anthropic, mock) or a preset`);
    return null;
  }
  if (preset && raw.provider && raw.provider !== preset.protocol) {
    problems.push(`${at}.provider: preset ${raw.preset} speaks ${preset.protocol}, not ${raw.provider}`);
  }
  const baseUrl = (raw.base_url ?? preset?.baseUrl ?? '').replace(/\/+$/, '');
  if (protocol !== 'mock' && !baseUrl) problems.push(`${at}.base_url: is required for provider ${protocol} without a preset`);
  if (protocol === 'mock' && raw.base_url) problems.push(`${at}.base_url: the mock provider takes no base_url`);
  let apiKey = raw.api_key ?? null;
  if (apiKey === null && preset?.keyEnv) {
    apiKey = env[preset.keyEnv] || null;
    if (!apiKey) problems.push(`${at}.api_key: not given and ${preset.keyEnv} is not set`);
  }
  raw.mock?.answers.forEach((a, i) => {
    if (a.match === undefined) return;
    try {
      new RegExp(a.match);
    } catch {
      problems.push(`${at}.mock.answers[${i}].match: not a valid regular expression`);
    }
  });
  const price = raw.price ?? { input: 0, output: 0, currency: 'CNY' as const };
  const q = { ...preset?.quirks, ...definedQuirks(raw.quirks) };
  return {
    name,
    protocol,
    model: raw.model,
    baseUrl,
    apiKey,
    headers: { ...raw.headers },
    price: { input: price.input, cachedInput: price.cached_input ?? price.input, output: price.output, currency: price.currency },
    maxOutputTokens: raw.max_output_tokens ?? null,
    contextWindow: raw.context_window ?? null,
    imageTokens: raw.image_tokens ?? null,
    timeouts: { connectMs: raw.timeouts.connect_ms, firstByteMs: raw.timeouts.first_byte_ms, totalMs: raw.timeouts.total_ms },
    retry: { maxRetries: raw.retry.max_retries, baseMs: raw.retry.base_ms, maxMs: raw.retry.max_ms },
    breaker: { failureThreshold: raw.breaker.failure_threshold, cooldownMs: raw.breaker.cooldown_ms },
    quirks: {
      maxTokensField: q.maxTokensField ?? 'max_tokens',
      developerRole: q.developerRole ?? 'developer',
      usageInStream: q.usageInStream ?? true,
    },
    mock: protocol === 'mock' ? (raw.mock ?? MOCK_DEFAULTS) : null,
  };
}

function definedQuirks(q: RawContender['quirks']): Contender['quirks'] | Record<string, never> {
  if (!q) return {};
  const out: Record<string, unknown> = {};
  if (q.max_tokens_field) out.maxTokensField = q.max_tokens_field;
  if (q.developer_role) out.developerRole = q.developer_role;
  if (q.usage_in_stream !== undefined) out.usageInStream = q.usage_in_stream;
  return out as Contender['quirks'];
}

const MOCK_DEFAULTS = ConfigSchema.shape.contenders.parse({ x: { provider: 'mock', model: 'mock', mock: {} } }).x!.mock!;

function linkRaces(raw: RawConfig, contenders: Map<string, Contender>, problems: string[]): Map<string, Race> {
  const races = new Map<string, Race>();
  const known = (n: string, at: string) => {
    if (!contenders.has(n)) problems.push(`${at}: unknown contender "${n}"`);
  };
  for (const [name, r] of Object.entries(raw.races)) {
    const at = `races.${name}`;
    if (contenders.has(name)) problems.push(`${at}: a race cannot share its name with a contender (clients address both by model)`);
    known(r.champion, `${at}.champion`);
    const seen = new Set([r.champion]);
    let total = 0;
    r.challengers.forEach((c, i) => {
      known(c.contender, `${at}.challengers[${i}].contender`);
      if (seen.has(c.contender)) problems.push(`${at}.challengers[${i}].contender: "${c.contender}" is already in this race`);
      seen.add(c.contender);
      total += c.weight;
    });
    if (total > 100) problems.push(`${at}.challengers: weights add up to ${total}, more than 100`);
    r.fallbacks.forEach((f, i) => known(f, `${at}.fallbacks[${i}]`));
    if (r.shadow) known(r.shadow.contender, `${at}.shadow.contender`);
    if (r.shadow?.judge) known(r.shadow.judge, `${at}.shadow.judge`);
    races.set(name, {
      name,
      description: r.description ?? null,
      champion: r.champion,
      challengers: r.challengers.map((c) => ({ contender: c.contender, weight: c.weight })),
      fallbacks: [...r.fallbacks],
      sticky: r.sticky,
      shadow: r.shadow ? { contender: r.shadow.contender, rate: r.shadow.rate, judge: r.shadow.judge ?? null, judgeRate: r.shadow.judge_rate } : null,
      capture: r.capture,
      policy: r.policy,
      gate: r.gate ?? null,
    });
  }
  return races;
}

function limitsOf(raw: { rpm?: number | undefined; tpm?: number | undefined } | undefined) {
  return { rpm: raw?.rpm ?? null, tpm: raw?.tpm ?? null };
}

function linkBudgets(raw: RawConfig, contenders: Map<string, Contender>, races: Map<string, Race>, problems: string[]) {
  return Object.entries(raw.budgets).map(([name, b]) => {
    const at = `budgets.${name}`;
    if (b.contender && !contenders.has(b.contender)) problems.push(`${at}.contender: unknown contender "${b.contender}"`);
    if (b.race && !races.has(b.race)) problems.push(`${at}.race: unknown race "${b.race}"`);
    if (b.on_exceed === 'downgrade' && !b.downgrade_to) problems.push(`${at}.downgrade_to: is required when on_exceed is downgrade`);
    if (b.downgrade_to && !contenders.has(b.downgrade_to)) problems.push(`${at}.downgrade_to: unknown contender "${b.downgrade_to}"`);
    if (b.downgrade_to && b.on_exceed !== 'downgrade') problems.push(`${at}.downgrade_to: only used with on_exceed: downgrade`);
    const scope: { team?: string; key?: string; contender?: string; race?: string } = {};
    if (b.team !== undefined) scope.team = b.team;
    if (b.key !== undefined) scope.key = b.key;
    if (b.contender !== undefined) scope.contender = b.contender;
    if (b.race !== undefined) scope.race = b.race;
    return {
      name,
      scope,
      period: b.period,
      limit: b.limit,
      currency: b.currency,
      softRatio: b.soft_pct / 100,
      downgradeTo: b.on_exceed === 'downgrade' ? (b.downgrade_to ?? null) : null,
      webhook: b.webhook ?? null,
    };
  });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    if (value instanceof Map) for (const v of value.values()) deepFreeze(v);
    else for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Validates and links an already-parsed document. Throws `ConfigError` listing every problem found. */
export function buildConfig(doc: unknown, env: NodeJS.ProcessEnv = process.env, file: string | null = null): Config {
  const problems: string[] = [];
  const interpolated = interpolate(doc ?? {}, env, [], problems);
  if (problems.length) throw new ConfigError(problems, file);
  const parsed = ConfigSchema.safeParse(interpolated);
  if (!parsed.success) throw new ConfigError(zodProblems(parsed.error), file);
  const raw = parsed.data;
  const contenders = new Map<string, Contender>();
  for (const [name, c] of Object.entries(raw.contenders)) {
    const linked = linkContender(name, c, env, problems);
    if (linked) contenders.set(name, linked);
  }
  const races = linkRaces(raw, contenders, problems);
  const budgets = linkBudgets(raw, contenders, races, problems);
  if (!isTimeZone(raw.time_zone)) problems.push(`time_zone: unknown time zone "${raw.time_zone}"`);
  if (problems.length) throw new ConfigError(problems, file);
  registerSecretValues([
    ...[...contenders.values()].flatMap((c) => [c.apiKey, ...Object.values(c.headers), ...urlSecrets(c.baseUrl)]),
    ...urlSecrets(raw.store),
    ...urlSecrets(raw.redis),
    ...budgets.flatMap((b) => urlSecrets(b.webhook)),
  ]);
  return deepFreeze({
    server: { host: raw.server.host, port: raw.server.port, bodyLimitBytes: raw.server.body_limit_bytes },
    auth: { mode: raw.auth.mode },
    store: raw.store,
    storeOptions: {
      connectMs: raw.store_options.connect_ms,
      statementMs: raw.store_options.statement_ms,
      busyMs: raw.store_options.busy_ms,
      logCommitMs: raw.store_options.log_commit_ms,
      spoolPath: raw.store_options.spool_path ?? null,
      spoolMaxBytes: raw.store_options.spool_max_bytes,
    },
    redis: raw.redis ?? null,
    log: { level: raw.log.level },
    contenders,
    races,
    teams: new Map(Object.entries(raw.teams).map(([t, v]) => [t, { limits: limitsOf(v.limits) }])),
    keyDefaults: { limits: limitsOf(raw.key_defaults?.limits), evidenceRpm: raw.key_defaults?.evidence_rpm ?? 600 },
    budgets,
    timeZone: raw.time_zone,
    fx: { CNY: 1, USD: raw.fx.USD },
    monitor: { enabled: raw.monitor.enabled, intervalMs: raw.monitor.interval_ms },
  });
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Reads a YAML (or JSON) config file. */
export function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([`cannot read file (${(err as NodeJS.ErrnoException).code ?? 'error'})`], file);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError([`invalid YAML: ${(err as Error).message.split('\n')[0]}`], file);
  }
  return buildConfig(doc, env, file);
}
