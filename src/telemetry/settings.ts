/**
 * Whether telemetry is on, and where it goes: the config's `telemetry.otlp` first, then the standard OpenTelemetry
 * variables for what it leaves out. Pure and free of the SDK: the gateway reads this at start and loads the SDK
 * (telemetry.ts) only when it returns settings, so a gateway without telemetry never loads a module of it.
 */
import { registerSecretValues } from '../config/secret-values.js';
import type { Config } from '../config/types.js';

export interface TelemetrySettings {
  /** Where spans go (OTLP/HTTP JSON). */
  tracesUrl: string;
  /** Where metrics go; null when only a traces endpoint was given. */
  metricsUrl: string | null;
  headers: Record<string, string>;
  /** Share of root traces kept (a sampled incoming traceparent is always followed). */
  sampleRate: number;
  serviceName: string;
}

/** The OTLP/HTTP default, used when `telemetry.otlp` is given without an endpoint and no variable names one. */
const DEFAULT_ENDPOINT = 'http://localhost:4318';

export function telemetrySettings(config: Config['telemetry'], env: NodeJS.ProcessEnv): TelemetrySettings | null {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return null;
  const base = config?.endpoint ?? nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT);
  const tracesEnv = nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  if (config === null && base === null && tracesEnv === null) return null;
  // A per-signal variable is the full URL; a base endpoint gets the signal's path appended (the OTLP rules).
  const tracesUrl = config?.endpoint ? signalUrl(config.endpoint, 'traces') : (tracesEnv ?? signalUrl(base ?? DEFAULT_ENDPOINT, 'traces'));
  const metricsEnv = nonEmpty(env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT);
  const metricsUrl = config?.endpoint
    ? signalUrl(config.endpoint, 'metrics')
    : (metricsEnv ?? (base !== null || config !== null ? signalUrl(base ?? DEFAULT_ENDPOINT, 'metrics') : null));
  const headers = { ...parseHeaders(env.OTEL_EXPORTER_OTLP_HEADERS), ...config?.headers };
  // Collector credentials are secrets like any other: kept out of logs and error texts.
  registerSecretValues(Object.values(headers));
  return {
    tracesUrl,
    metricsUrl,
    headers,
    sampleRate: config?.sampleRate ?? ratio(env.OTEL_TRACES_SAMPLER_ARG) ?? 1,
    serviceName: nonEmpty(env.OTEL_SERVICE_NAME) ?? 'saima',
  };
}

function nonEmpty(v: string | undefined): string | null {
  return v !== undefined && v.trim() !== '' ? v.trim() : null;
}

function signalUrl(base: string, signal: 'traces' | 'metrics'): string {
  return `${base.replace(/\/+$/, '')}/v1/${signal}`;
}

/** `OTEL_TRACES_SAMPLER_ARG`: a ratio in [0, 1]; anything else is ignored, as the SDK specification asks. */
function ratio(v: string | undefined): number | null {
  if (v === undefined || v.trim() === '') return null;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 && n <= 1 ? n : null;
}

/** `OTEL_EXPORTER_OTLP_HEADERS`: `key=value` pairs, comma-separated, values percent-encoded (W3C Baggage format). */
function parseHeaders(v: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (v ?? '').split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const key = pair.slice(0, eq).trim();
    const raw = pair.slice(eq + 1).trim();
    let value = raw;
    try {
      value = decodeURIComponent(raw);
    } catch {
      // Not percent-encoded after all: taken as written.
    }
    if (key !== '') out[key] = value;
  }
  return out;
}
