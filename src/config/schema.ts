/**
 * The configuration file's schema: the only source of its shape. Objects are strict, so a typo is an error.
 * `.describe()` texts feed `saima config schema` (JSON Schema for editors).
 */
import { z } from 'zod';
import { PRESET_NAMES, THINKING_SWITCHES } from './presets.js';

const name = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:\-/]{0,127}$/, 'must be 1-128 letters, digits or . _ : - /');
const nonNegative = z.number().min(0, 'must be ≥ 0');
const positiveInt = z.number().int('must be a whole number').min(1, 'must be ≥ 1');

export const PriceSchema = z
  .object({
    input: nonNegative.describe('Price per million prompt tokens'),
    cached_input: nonNegative.optional().describe('Price per million prompt tokens served from the provider cache (default: input)'),
    output: nonNegative.describe('Price per million completion tokens (reasoning tokens included)'),
    currency: z.enum(['CNY', 'USD']).default('CNY'),
  })
  .strict();

export const TimeoutsSchema = z
  .object({
    connect_ms: positiveInt.default(5_000).describe('TCP/TLS connect timeout'),
    first_byte_ms: positiveInt.default(60_000).describe('From sending the request to the first body byte'),
    total_ms: positiveInt.default(600_000).describe('Whole call, stream included'),
  })
  .strict();

export const RetrySchema = z
  .object({
    max_retries: z.number().int().min(0, 'must be ≥ 0').max(10, 'must be ≤ 10').default(2),
    base_ms: positiveInt.default(200).describe('First backoff; doubled per retry, with full jitter'),
    max_ms: positiveInt.default(5_000).describe('Backoff ceiling, also the longest retry-after honoured'),
  })
  .strict();

export const BreakerSchema = z
  .object({
    failure_threshold: positiveInt.default(5).describe('Consecutive failed calls that open the circuit'),
    cooldown_ms: positiveInt.default(30_000).describe('Open time before one half-open probe is let through'),
  })
  .strict();

export const MockErrorKind = z.enum(['http_500', 'http_429', 'http_503', 'reset', 'hang', 'cut']);

export const MockProfileSchema = z
  .object({
    latency_ms: nonNegative.default(0).describe('Delay before response headers'),
    ttft_ms: nonNegative.default(0).describe('Further delay before the first token'),
    tokens_per_s: nonNegative.default(0).describe('Streaming speed; 0 sends every token at once'),
    jitter: z.number().min(0).max(1).default(0).describe('Relative random spread applied to the delays'),
    error_rate: z.number().min(0, 'must be ≥ 0').max(1, 'must be ≤ 1').default(0),
    error_kinds: z.array(MockErrorKind).min(1).default(['http_500']),
    answers: z
      .array(z.object({ match: z.string().optional().describe('Regular expression on the last user message'), answer: z.string() }).strict())
      .default([]),
    default_answer: z.string().default('This is a simulated answer from the Saima mock provider.'),
    reasoning: z.string().optional().describe('Streamed as reasoning_content before the answer'),
    report_usage: z.boolean().default(true).describe('Whether the simulator reports usage (false exercises the tokenizer estimate)'),
    seed: z.number().int().default(1),
  })
  .strict()
  .describe('Built-in simulator: no network, deterministic for a seed');

export const QuirksSchema = z
  .object({
    max_tokens_field: z.enum(['max_tokens', 'max_completion_tokens']).optional().describe('Rename max_tokens for vendors that want the other field'),
    developer_role: z.enum(['developer', 'system']).optional().describe('Map the developer role to system for vendors without it'),
    usage_in_stream: z.boolean().optional().describe('Vendor honours stream_options.include_usage'),
    thinking_switch: z
      .enum(THINKING_SWITCHES)
      .optional()
      .describe("How a Messages client's thinking on/off reaches the vendor: thinking (Anthropic's object as given), enable_thinking (DashScope's enable_thinking and thinking_budget), none (no switch: thinking enabled is refused, disabled left out)"),
  })
  .strict();

export const ContenderSchema = z
  .object({
    provider: z.enum(['openai', 'anthropic', 'mock']).optional().describe('Wire protocol; implied by a preset'),
    preset: z.enum(PRESET_NAMES).optional().describe('Vendor preset: base URL, key variable and quirks'),
    model: z.string().min(1, 'must not be empty').describe('Model id sent upstream'),
    base_url: z.url('must be a URL').optional(),
    api_key: z.string().optional().describe('Use ${ENV_VAR}; defaults to the preset key variable'),
    headers: z.record(z.string(), z.string()).optional(),
    price: PriceSchema.optional(),
    max_output_tokens: positiveInt.optional().describe('Output cap reserved and sent upstream when a request sets no max_tokens'),
    image_tokens: positiveInt.optional().describe('Bound reserved per image part (default 2500)'),
    context_window: positiveInt.optional().describe('Largest max_tokens accepted for this contender (default 1048576)'),
    timeouts: TimeoutsSchema.prefault({}),
    retry: RetrySchema.prefault({}),
    breaker: BreakerSchema.prefault({}),
    quirks: QuirksSchema.optional(),
    responses: z
      .boolean()
      .optional()
      .describe('openai contenders: the upstream serves the Responses API at {base_url}/responses, so Responses API clients routed here have their requests passed through (model and output cap set) instead of translated to chat completions, and the upstream keeps their conversations (default false)'),
    mock: MockProfileSchema.optional(),
  })
  .strict();

export const ChallengerSchema = z
  .object({
    contender: name,
    weight: z.number().min(0, 'must be ≥ 0').max(100, 'must be ≤ 100').describe('Percent of the race traffic'),
  })
  .strict();

export const GUARDRAIL_METRICS = ['error_rate', 'p95_latency', 'ttft', 'feedback', 'cost_per_request', 'judge_win_rate'] as const;
export const PRIMARY_METRICS = ['feedback', 'error_rate', 'p95_latency', 'ttft', 'cost_per_request', 'judge_win_rate'] as const;

export const GuardrailSchema = z
  .object({
    margin: z
      .number()
      .min(0, 'must be ≥ 0')
      .default(0)
      .describe('Tolerated harm before rollback: absolute for error_rate, feedback and judge_win_rate; relative (0.1 = 10%) for latency, TTFT and cost'),
  })
  .strict();

export const PolicySchema = z
  .object({
    type: z.enum(['manual', 'canary', 'gate', 'bandit']).default('manual'),
    primary: z.enum(PRIMARY_METRICS).default('feedback').describe('The metric a challenger must win on to be promoted'),
    ramp: z.array(z.number().min(0).max(100)).min(1).default([1, 5, 10, 25, 50]).describe('Canary weight steps, percent'),
    min_samples: positiveInt.default(100).describe('Requests per arm at a step before ramping further'),
    min_step_s: nonNegative.default(60).describe('Seconds at a step before ramping further'),
    alpha: z.number().gt(0).lt(0.5).default(0.05),
    tuning: positiveInt.default(5000).describe('Confidence-sequence tuning N*: the sample size where bounds are tightest'),
    pre_race_days: nonNegative.default(7).describe("Sticky races: days of each user's requests to the champion before the race's challengers first got traffic, read once as the user's baseline to adjust the tests by (0: no adjustment)"),
    user_request_cap: z.number().int().min(0).default(300).describe("Sticky races: most requests (or ratings) of one user that weigh in a test window; a busier user counts at their own rate with the weight of this many, so that a few very active users cannot stand for all (0: every request weighs alike)"),
    guardrails: z.partialRecord(z.enum(GUARDRAIL_METRICS), GuardrailSchema).default({ error_rate: { margin: 0.01 }, p95_latency: { margin: 0.1 } }).describe('Metrics a challenger must not worsen beyond their margin; one shown worse is rolled back, and promotion needs each shown within it (a margin of 0 then demands a significant improvement)'),
    max_extra_spend: z
      .object({ amount: z.number().positive(), currency: z.enum(['CNY', 'USD']).default('CNY') })
      .strict()
      .optional()
      .describe('Cap on what challengers may cost beyond the champion for the same traffic; reaching it freezes ramping'),
    bandit_floor: z.number().min(0).max(0.5).default(0.01).describe('Least traffic share a bandit arm keeps'),
    bandit_guard_floor: z.number().min(0).max(0.5).default(0.25).describe('Least traffic share a bandit keeps on a challenger, and on the champion, until every harm test of the challenger is settled: shown within its margin, or broken (rolled back)'),
  })
  .strict()
  // Battles score a challenger against the champion, so the champion has no judge_win_rate of its own to sample.
  .refine((p) => !(p.type === 'bandit' && p.primary === 'judge_win_rate'), {
    message: 'a bandit cannot use judge_win_rate as its primary metric (battles compare challengers with the champion, not every arm)',
    path: ['primary'],
  });

export const GateSchema = z
  .object({
    suites: z.array(z.string()).min(1),
    min_score: z.number().min(0).max(100).default(80),
    twins: z
      .union([z.string(), z.array(z.string()).min(1)])
      .default('auto')
      .describe('Twin kinds the gate runs: auto, all, none, or a list of kinds'),
    max_gap: z.number().min(0).max(100).optional().describe('Shorthand for contamination.max_gap'),
    contamination: z
      .object({
        blocks: z.boolean().default(true).describe('A significant contamination drop above max_gap fails the gate'),
        max_gap: z.number().min(0).max(100).optional().describe('Largest significant drop allowed on authored, resampled or shuffled twins, in points (default 5)'),
      })
      .strict()
      .prefault({}),
    robustness: z
      .object({
        blocks: z.boolean().default(true).describe('A significant robustness drop above max_drop fails the gate'),
        max_drop: z.number().min(0).max(100).default(20).describe('Largest significant drop allowed on distractor, reformat or renaming twins, in points'),
      })
      .strict()
      .prefault({}),
    alpha: z.number().gt(0).lt(0.5).default(0.05),
    not_worse_than_champion: z.boolean().default(true),
    samples: positiveInt.default(1),
  })
  .strict()
  .refine((g) => g.max_gap === undefined || g.contamination.max_gap === undefined, {
    message: 'max_gap and contamination.max_gap both given: keep one',
    path: ['max_gap'],
  });

export const RaceSchema = z
  .object({
    description: z.string().optional(),
    champion: name,
    challengers: z.array(ChallengerSchema).default([]),
    fallbacks: z.array(name).default([]).describe('Tried in order when the assigned contender fails before the first byte'),
    sticky: z.boolean().default(true).describe('Keep a user (user field or x-saima-user) on one contender'),
    shadow: z
      .object({
        contender: name,
        rate: z.number().min(0, 'must be ≥ 0').max(1, 'must be ≤ 1'),
        judge: name.optional().describe('Contender that judges each shadow answer against the served one, turning them into arena battles'),
        judge_rate: z.number().min(0).max(1).default(1).describe('Share of shadow calls that get judged'),
      })
      .strict()
      .optional()
      .describe('Sampled copy of requests sent to another contender, never returned'),
    capture: z.boolean().default(false).describe('Store prompt and answer text in the request log'),
    policy: PolicySchema.prefault({}),
    gate: GateSchema.optional().describe('Launch gate: evaluation a challenger must pass (saima gate)'),
  })
  .strict();

export const LimitsSchema = z
  .object({
    rpm: positiveInt.optional().describe('Requests per minute'),
    tpm: positiveInt.optional().describe('Tokens per minute, counted as prompt + max_tokens at admission and corrected after'),
  })
  .strict();

export const BudgetSchema = z
  .object({
    team: z.string().optional(),
    key: z.string().optional().describe('Key id (key_…), as listed by `saima keys ls`'),
    contender: name.optional(),
    race: name.optional(),
    period: z.enum(['day', 'month']).default('day'),
    limit: z.number().positive('must be > 0').describe('In `currency` units per period'),
    currency: z.enum(['CNY', 'USD']).default('CNY'),
    soft_pct: z.number().min(1, 'must be ≥ 1').max(100, 'must be ≤ 100').default(80).describe('Warn (log, gauge, webhook) at this percent of the limit'),
    on_exceed: z.enum(['reject', 'downgrade']).default('reject'),
    downgrade_to: name.optional().describe('Contender that serves once the budget is spent (on_exceed: downgrade)'),
    webhook: z.url('must be a URL').optional().describe('POSTed JSON when the soft threshold is crossed; retried, never blocks requests'),
  })
  .strict();

export const ConfigSchema = z
  .object({
    server: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65_535).default(8787),
        body_limit_bytes: positiveInt.default(4 * 1024 * 1024),
      })
      .strict()
      .prefault({}),
    auth: z
      .object({ mode: z.enum(['none', 'keys']).default('keys') })
      .strict()
      .prefault({}),
    store: z.string().default('sqlite:.saima/saima.db').describe('sqlite:PATH or postgres://…'),
    store_options: z
      .object({
        connect_ms: positiveInt.default(5_000).describe('PostgreSQL: open a connection, or wait for a free pooled one'),
        statement_ms: positiveInt.default(30_000).describe("PostgreSQL: the server's statement_timeout; the client gives up 1 s later"),
        busy_ms: positiveInt.default(5_000).describe("SQLite: wait for another process's write lock"),
        log_commit_ms: positiveInt.default(5_000).describe('A request-log commit not done by then goes to the spool'),
        spool_path: z.string().min(1).optional().describe('The request-log spool file (default: next to the SQLite file, or .saima/request-spool.jsonl)'),
        spool_max_bytes: positiveInt.default(64 * 1024 * 1024).describe('The spool refuses rows beyond this size'),
      })
      .strict()
      .prefault({})
      .describe('Deadlines of store operations, and the spool that keeps rows the store cannot take'),
    redis: z.string().optional().describe('redis://… shared by gateway replicas and workers (rate limits, budgets, race-state events, monitor lease, eval queue); `?prefix=` namespaces the keys'),
    log: z
      .object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') })
      .strict()
      .prefault({}),
    contenders: z.record(name, ContenderSchema),
    races: z.record(name, RaceSchema).default({}),
    teams: z.record(z.string().min(1), z.object({ limits: LimitsSchema.optional() }).strict()).default({}).describe('Per-team rate limits'),
    key_defaults: z
      .object({
        limits: LimitsSchema.optional(),
        evidence_rpm: positiveInt.default(600).describe('Feedback and arena votes per minute, per key: evidence cannot be flooded'),
      })
      .strict()
      .optional()
      .describe('Limits for keys created without their own'),
    budgets: z.record(name, BudgetSchema).default({}),
    monitor: z
      .object({ enabled: z.boolean().default(true), interval_ms: positiveInt.default(5000) })
      .strict()
      .prefault({})
      .describe('The race monitor: how often it reads the evidence and decides'),
    responses: z
      .object({ retention_days: z.number().positive().max(3650).default(30).describe('How long a stored response can be continued (previous_response_id) or read, in days') })
      .strict()
      .prefault({})
      .describe('The Responses API front door (POST /v1/responses)'),
    time_zone: z.string().default('UTC').describe('IANA zone in which budget days and months start'),
    telemetry: z
      .object({
        otlp: z
          .object({
            endpoint: z.url('must be a URL').optional().describe('OTLP/HTTP base URL of the collector (…/v1/traces and …/v1/metrics are appended); default: OTEL_EXPORTER_OTLP_ENDPOINT'),
            headers: z.record(z.string(), z.string()).optional().describe('Headers sent with every export (e.g. an API key as ${ENV_VAR}); default: OTEL_EXPORTER_OTLP_HEADERS'),
            sample_rate: z.number().min(0, 'must be ≥ 0').max(1, 'must be ≤ 1').optional().describe('Share of requests traced when no sampled traceparent comes in (default: OTEL_TRACES_SAMPLER_ARG, else 1)'),
          })
          .strict(),
      })
      .strict()
      .optional()
      .describe('OpenTelemetry traces and metrics over OTLP/HTTP (GenAI semantic conventions); off unless given here or by OTEL_EXPORTER_OTLP_ENDPOINT'),
    fx: z
      .object({ USD: z.number().positive().default(7.1) })
      .strict()
      .prefault({})
      .describe('CNY per one unit of each currency, for budgets that mix currencies'),
  })
  .strict();

export type RawConfig = z.infer<typeof ConfigSchema>;
export type RawContender = z.infer<typeof ContenderSchema>;
export type RawRace = z.infer<typeof RaceSchema>;
export type MockProfile = z.infer<typeof MockProfileSchema>;
export type RacePolicy = z.infer<typeof PolicySchema>;
export type GateConfig = z.infer<typeof GateSchema>;
