/**
 * Config phases: YAML → ${ENV} interpolation → zod parse → link (names resolve, presets applied) → deep freeze.
 * Every problem is reported as `path: problem`, e.g. `races.assistant.challengers[1].weight: must be ≥ 0`.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ConfigSchema, type RawConfig, type RawContender } from './schema.js';
import { PRESETS } from './presets.js';
import { registerSecretValues, urlSecrets } from './secret-values.js';
import type { Config, Contender, Race } from './types.js';
import { isTimeZone } from './time-zone.js';

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
    const at = formatPath([...issue.path]);
    if (issue.code === 'unrecognized_keys') return `${at}: unknown key ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    if (issue.code === 'invalid_type') return issue.input === undefined ? `${at}: is required` : `${at}: expected ${issue.expected}, got ${kindOf(issue.input)}`;
    if (issue.code === 'invalid_value') return `${at}: expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${JSON.stringify(issue.input) ?? kindOf(issue.input)}`;
    if (issue.code === 'too_small' || issue.code === 'too_big') {
      const op = issue.code === 'too_small' ? (issue.inclusive ? '≥' : '>') : issue.inclusive ? '≤' : '<';
      const what = issue.origin === 'number' || issue.origin === 'int' ? '' : ` ${issue.origin === 'string' ? 'characters' : 'items'}`;
      return `${at}: must be ${op} ${String(issue.code === 'too_small' ? issue.minimum : issue.maximum)}${what}`;
    }
    return `${at}: ${issue.message.charAt(0).toLowerCase()}${issue.message.slice(1)}`;
  });
}

/** The JSON-ish name of a value's type, as config errors print it ("expected number, got string"). */
function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'object' ? 'object' : typeof v;
}

/**
 * Names that a document refers to but does not define, read from the raw document so that they are reported in
 * the same round as schema errors (otherwise fixing one kind of error only reveals the next).
 */
function rawReferenceProblems(doc: unknown): string[] {
  const problems: string[] = [];
  const obj = (v: unknown): Record<string, unknown> | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null);
  const root = obj(doc);
  const contenders = new Set(Object.keys(obj(root?.contenders) ?? {}));
  const races = obj(root?.races) ?? {};
  const known = (name: unknown, at: string) => {
    if (typeof name === 'string' && !contenders.has(name)) problems.push(`${at}: unknown contender "${name}"`);
  };
  for (const [name, raw] of Object.entries(races)) {
    const r = obj(raw);
    if (!r) continue;
    known(r.champion, `races.${name}.champion`);
    if (Array.isArray(r.challengers)) r.challengers.forEach((c, i) => known(obj(c)?.contender, `races.${name}.challengers[${i}].contender`));
    if (Array.isArray(r.fallbacks)) r.fallbacks.forEach((f, i) => known(f, `races.${name}.fallbacks[${i}]`));
    known(obj(r.shadow)?.contender, `races.${name}.shadow.contender`);
  }
  for (const [name, raw] of Object.entries(obj(root?.budgets) ?? {})) {
    const b = obj(raw);
    known(b?.contender, `budgets.${name}.contender`);
    if (typeof b?.race === 'string' && !(b.race in races)) problems.push(`budgets.${name}.race: unknown race "${b.race}"`);
  }
  return problems;
}

/**
 * A SQLite store path (and the spool's) in a config file is relative to that file, not to the directory a command
 * happens to run in: otherwise a CLI command run elsewhere silently opens a new, empty database.
 */
function relativeToFile(path: string, file: string | null): string {
  if (!file || path === '' || path === ':memory:' || isAbsolute(path)) return path;
  return resolve(dirname(file), path);
}

function storeUrl(url: string, file: string | null): string {
  return url.startsWith('sqlite:') ? `sqlite:${relativeToFile(url.slice('sqlite:'.length), file)}` : url;
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
  if (raw.responses === true && protocol !== 'openai') problems.push(`${at}.responses: only an openai contender can pass Responses API requests through (this one speaks ${protocol})`);
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
    responsesApi: raw.responses === true && protocol === 'openai',
    quirks: {
      maxTokensField: q.maxTokensField ?? 'max_tokens',
      developerRole: q.developerRole ?? 'developer',
      usageInStream: q.usageInStream ?? true,
      // Without a preset: Anthropic's object as given, the switch of most vendors that have one.
      thinkingSwitch: q.thinkingSwitch ?? 'thinking',
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
  if (q.thinking_switch) out.thinkingSwitch = q.thinking_switch;
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
  const parsed = ConfigSchema.safeParse(interpolated, { reportInput: true });
  if (!parsed.success) {
    const schema = zodProblems(parsed.error);
    throw new ConfigError([...schema, ...rawReferenceProblems(interpolated).filter((p) => !schema.includes(p))], file);
  }
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
    ...Object.values(raw.telemetry?.otlp.headers ?? {}),
    ...urlSecrets(raw.telemetry?.otlp.endpoint),
  ]);
  return deepFreeze({
    server: { host: raw.server.host, port: raw.server.port, bodyLimitBytes: raw.server.body_limit_bytes },
    auth: { mode: raw.auth.mode },
    store: storeUrl(raw.store, file),
    storeOptions: {
      connectMs: raw.store_options.connect_ms,
      statementMs: raw.store_options.statement_ms,
      busyMs: raw.store_options.busy_ms,
      logCommitMs: raw.store_options.log_commit_ms,
      spoolPath: raw.store_options.spool_path ? relativeToFile(raw.store_options.spool_path, file) : null,
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
    responses: { retentionDays: raw.responses.retention_days },
    telemetry: raw.telemetry
      ? { endpoint: raw.telemetry.otlp.endpoint ?? null, headers: { ...raw.telemetry.otlp.headers }, sampleRate: raw.telemetry.otlp.sample_rate ?? null }
      : null,
  });
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
    // The yaml library's message ends with a code frame (the line and a caret under the error): keep it.
    throw new ConfigError([`invalid YAML: ${(err as Error).message.trimEnd()}`], file);
  }
  return buildConfig(doc, env, file);
}
