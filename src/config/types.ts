/** The linked, frozen configuration the rest of Saima receives. Only `load.ts` builds these. */
import type { GateConfig, MockProfile, RacePolicy } from './schema.js';
import type { ThinkingSwitch } from './presets.js';

export type { GateConfig, RacePolicy };

export type Protocol = 'openai' | 'anthropic' | 'mock';
export type Currency = 'CNY' | 'USD';

export interface Price {
  /** Per million tokens, in `currency`. */
  input: number;
  cachedInput: number;
  output: number;
  currency: Currency;
}

export interface Contender {
  readonly name: string;
  readonly protocol: Protocol;
  readonly model: string;
  /** Without a trailing slash; empty for `mock`. */
  readonly baseUrl: string;
  readonly apiKey: string | null;
  readonly headers: Readonly<Record<string, string>>;
  readonly price: Price;
  readonly maxOutputTokens: number | null;
  /** Largest output cap a request may ask of this contender; null: the gateway's ceiling. */
  readonly contextWindow: number | null;
  /** Prompt tokens reserved per image part; null: the gateway's stated bound. */
  readonly imageTokens: number | null;
  readonly timeouts: { connectMs: number; firstByteMs: number; totalMs: number };
  readonly retry: { maxRetries: number; baseMs: number; maxMs: number };
  readonly breaker: { failureThreshold: number; cooldownMs: number };
  /** The upstream serves the Responses API itself (`responses: true`, openai only): Responses clients pass through. */
  readonly responsesApi: boolean;
  readonly quirks: { maxTokensField: 'max_tokens' | 'max_completion_tokens'; developerRole: 'developer' | 'system'; usageInStream: boolean; thinkingSwitch: ThinkingSwitch };
  readonly mock: MockProfile | null;
}

export interface Race {
  readonly name: string;
  readonly description: string | null;
  readonly champion: string;
  readonly challengers: ReadonlyArray<{ contender: string; weight: number }>;
  readonly fallbacks: readonly string[];
  readonly sticky: boolean;
  readonly shadow: { contender: string; rate: number; judge: string | null; judgeRate: number } | null;
  readonly capture: boolean;
  /** Launch policy and guardrails, as parsed (snake_case keys). */
  readonly policy: RacePolicy;
  readonly gate: GateConfig | null;
}

export interface LimitsConfig {
  readonly rpm: number | null;
  readonly tpm: number | null;
}

export interface BudgetConfig {
  readonly name: string;
  readonly scope: { team?: string; key?: string; contender?: string; race?: string };
  readonly period: 'day' | 'month';
  readonly limit: number;
  readonly currency: Currency;
  readonly softRatio: number;
  readonly downgradeTo: string | null;
  readonly webhook: string | null;
}

export interface Config {
  readonly server: { host: string; port: number; bodyLimitBytes: number };
  readonly auth: { mode: 'none' | 'keys' };
  readonly store: string;
  readonly storeOptions: {
    connectMs: number;
    statementMs: number;
    busyMs: number;
    logCommitMs: number;
    /** null: the default location (see spoolPathFor in the gateway's server). */
    spoolPath: string | null;
    spoolMaxBytes: number;
  };
  /** Redis URL when several replicas share counters and queues; null for a single node. */
  readonly redis: string | null;
  readonly log: { level: string };
  readonly contenders: ReadonlyMap<string, Contender>;
  readonly races: ReadonlyMap<string, Race>;
  readonly teams: ReadonlyMap<string, { limits: LimitsConfig }>;
  /** `evidenceRpm`: feedback and arena votes a key may send per minute. */
  readonly keyDefaults: { limits: LimitsConfig; evidenceRpm: number };
  readonly budgets: readonly BudgetConfig[];
  readonly timeZone: string;
  /** CNY per one unit of each currency. */
  readonly fx: { readonly CNY: number; readonly USD: number };
  readonly monitor: { enabled: boolean; intervalMs: number };
  /** Responses API: how long a stored response can be continued (`previous_response_id`) or read, in days. */
  readonly responses: { retentionDays: number };
  /** `telemetry.otlp` as written (null: not in the file); the standard OTEL_* variables fill what it leaves out. */
  readonly telemetry: { readonly endpoint: string | null; readonly headers: Readonly<Record<string, string>>; readonly sampleRate: number | null } | null;
}
