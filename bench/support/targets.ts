/**
 * The things the gateway benchmark drives: the fake upstream itself ("direct"), the undici floor, Saima (as
 * configured in production, without a key, with limits and budgets, with tracing on, and through its Messages and
 * Responses front doors, translated and passed through) and the peer Portkey gateway. Each proxy runs in its own
 * process; each target knows how to address a completion to itself, in its own front door's format.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, type ChildProcesses, type ChildServer } from './child-processes.js';
import { SAIMA_BENCH_KEY, writeSaimaConfig, type SaimaVariant } from './saima-config.js';

export type Mode = 'non-stream' | 'stream';
export type TargetName =
  | 'direct' | 'floor' | 'saima' | 'portkey' | 'saima-open' | 'saima-guarded' | 'saima-traced'
  | 'saima-messages' | 'saima-messages-passthrough' | 'saima-responses' | 'saima-responses-passthrough' | 'saima-embeddings';
/** The front-door targets: each is judged against the floor (CPU) and, when it streams, against direct (TTFB). */
export const DOOR_TARGETS: readonly TargetName[] = ['saima-messages', 'saima-messages-passthrough', 'saima-responses', 'saima-responses-passthrough', 'saima-embeddings'];
// Order is run order within each point: the access-control pair runs beside Saima, before the peer, whose process
// keeps working after its own runs end (measured: targets run right after it cost up to 2× their CPU).
export const TARGET_NAMES: readonly TargetName[] = ['direct', 'floor', 'saima', 'saima-traced', ...DOOR_TARGETS, 'saima-open', 'saima-guarded', 'portkey'];

export interface Upstreams {
  fast: ChildServer;
  slow: ChildServer;
}

export interface Target {
  name: TargetName;
  label: string;
  /** The process charged for CPU and RSS: the proxy, or the upstream itself for `direct`. */
  server: ChildServer;
  url: string;
  headers: Record<string, string>;
  body(mode: Mode, opts?: { slow?: boolean }): string;
  /** Whether a probe's answer is this target's valid completion (default: an OpenAI chat completion). */
  valid?(text: string, stream: boolean): boolean;
  /** Runs only at these modes and concurrencies (the access-control pair needs just one comparison point). */
  only?: { modes: readonly Mode[]; concurrency: readonly number[] };
  /**
   * A front door's streaming TTFB is compared with this request straight to the upstream, timed just before it: the
   * same upstream endpoint the door calls (chat completions when it translates, the door's own API when it passes
   * through). Targets without it are compared with `direct`.
   */
  directTtfb?: { endpoint: string; url: string; headers: Record<string, string>; body: string };
  /** Measure streaming TTFB even though the target runs at only some points (the front doors). */
  ttfb?: boolean;
}

/** The access-control comparison (and embeddings, which do not stream) runs where throughput is saturated and steadiest. */
const ACCESS_POINT = { modes: ['non-stream'] as const, concurrency: [50] };
// Both modes at the one concurrency their bars compare at (tracing on vs off; each front door vs the floor).
const TRACED_POINT = { modes: ['non-stream', 'stream'] as const, concurrency: [50] };

const here = dirname(fileURLToPath(import.meta.url));

/** The repository root: the nearest folder up from this file with a package.json (works from bench/ and dist/bench/). */
export function repoRoot(): string {
  let dir = here;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
  return dir;
}

/** Node arguments that run a sibling support script, through tsx when this file itself runs as TypeScript. */
export function supportScript(name: string): string[] {
  return import.meta.url.endsWith('.ts') ? ['--import', 'tsx', join(here, `${name}.ts`)] : [join(here, `${name}.js`)];
}

function chatBody(model: string, mode: Mode): string {
  const body: Record<string, unknown> = { model, messages: [{ role: 'user', content: 'Say hello to the benchmark.' }] };
  if (mode === 'stream') body.stream = true;
  return JSON.stringify(body);
}

function messagesBody(model: string, mode: Mode): string {
  const body: Record<string, unknown> = { model, max_tokens: 256, messages: [{ role: 'user', content: 'Say hello to the benchmark.' }] };
  if (mode === 'stream') body.stream = true;
  return JSON.stringify(body);
}

/** `store: false`: the door's hot path without keeping the conversation (the upstream answers one fixed id). */
function responsesBody(model: string, mode: Mode): string {
  const body: Record<string, unknown> = { model, input: 'Say hello to the benchmark.', store: false };
  if (mode === 'stream') body.stream = true;
  return JSON.stringify(body);
}

const JSON_CT = { 'content-type': 'application/json' };
const ANTHROPIC_HEADERS = (key: string) => ({ ...JSON_CT, 'x-api-key': key, 'anthropic-version': '2023-06-01' });

// What each wire's valid answer holds: the upstream's first word, and a stream's last event.
const validMessage = (text: string, stream: boolean): boolean => (stream ? text.includes('"text":"Hello') && text.includes('event: message_stop') : text.includes('"text":"Hello there'));
const validResponse = (text: string, stream: boolean): boolean =>
  stream ? text.includes('"delta":"Hello"') && text.includes('event: response.completed') : text.includes('"object":"response"') && text.includes('"text":"Hello there');

/** Starts a Saima process on a config variant. */
async function startSaima(name: TargetName, variant: SaimaVariant, children: ChildProcesses, up: Upstreams, tmp: string, collectorUrl?: string): Promise<ChildServer> {
  const port = await freePort();
  const config = writeSaimaConfig(tmp, port, up.fast.port, up.slow.port, variant, collectorUrl);
  const main = join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
  if (!existsSync(main)) throw new Error(`${main.slice(repoRoot().length + 1)} does not exist (run npm run build)`);
  return children.start({ name, args: [main, 'serve', '--config', config], env: { SAIMA_ADMIN_KEY: SAIMA_BENCH_KEY, NODE_ENV: 'production' }, port, readyPath: '/health', readyStatus: 200 });
}

export function portkeyEntry(): { path: string; version: string } {
  const require = createRequire(join(repoRoot(), 'package.json'));
  let pkgPath: string;
  try {
    pkgPath = require.resolve('@portkey-ai/gateway/package.json');
  } catch {
    pkgPath = join(repoRoot(), 'node_modules', '@portkey-ai', 'gateway', 'package.json');
  }
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { version: string; bin: string | Record<string, string> };
  const bin = typeof pkg.bin === 'string' ? pkg.bin : (Object.values(pkg.bin)[0] ?? 'build/start-server.js');
  return { path: join(dirname(pkgPath), bin), version: pkg.version };
}

export async function startTarget(name: TargetName, children: ChildProcesses, up: Upstreams, tmp: string): Promise<Target> {
  const completions = '/v1/chat/completions';
  switch (name) {
    case 'direct':
      return { name, label: 'direct (no proxy)', server: up.fast, url: up.fast.url + completions, headers: { ...JSON_CT, authorization: 'Bearer up-key' }, body: (m) => chatBody('bench-model', m) };
    case 'floor': {
      const port = await freePort();
      const server = await children.start({ name, args: [...supportScript('undici-floor-proxy'), '--port', String(port), '--upstream', up.fast.url], port, readyPath: '/health', readyStatus: 200 });
      return { name, label: 'undici Pool.stream floor (~50 lines)', server, url: server.url + completions, headers: { ...JSON_CT, authorization: 'Bearer up-key' }, body: (m) => chatBody('bench-model', m) };
    }
    case 'saima-messages':
    case 'saima-messages-passthrough': {
      // Anthropic's Messages API in: translated for the OpenAI-format upstream and back, or to `anthropic` contenders
      // on the upstream's own Messages API, bytes through.
      const passthrough = name === 'saima-messages-passthrough';
      const server = await startSaima(name, passthrough ? 'messages-passthrough' : 'messages', children, up, tmp);
      return {
        name, server, url: `${server.url}/v1/messages`,
        label: passthrough
          ? 'Saima as `saima`, Anthropic Messages API in (/v1/messages), passed through to `anthropic` contenders on the upstream\'s Messages API'
          : 'Saima as `saima`, Anthropic Messages API in (/v1/messages), translated to the OpenAI-format upstream and back',
        headers: ANTHROPIC_HEADERS(SAIMA_BENCH_KEY),
        body: (m, opts) => messagesBody(opts?.slow ? 'bench-slow' : 'bench', m),
        valid: validMessage,
        only: TRACED_POINT,
        ttfb: true,
        directTtfb: passthrough
          ? { endpoint: '/v1/messages', url: `${up.fast.url}/v1/messages`, headers: ANTHROPIC_HEADERS('up-key'), body: messagesBody('bench-model', 'stream') }
          : { endpoint: completions, url: up.fast.url + completions, headers: { ...JSON_CT, authorization: 'Bearer up-key' }, body: chatBody('bench-model', 'stream') },
      };
    }
    case 'saima-responses':
    case 'saima-responses-passthrough': {
      // OpenAI's Responses API in: translated to chat completions and back, or to `openai` contenders with
      // `responses: true`, passed through to the upstream's own Responses API.
      const passthrough = name === 'saima-responses-passthrough';
      const server = await startSaima(name, passthrough ? 'responses-passthrough' : 'responses', children, up, tmp);
      return {
        name, server, url: `${server.url}/v1/responses`,
        label: passthrough
          ? 'Saima as `saima`, OpenAI Responses API in (/v1/responses, `store: false`), passed through to `responses: true` contenders on the upstream\'s Responses API'
          : 'Saima as `saima`, OpenAI Responses API in (/v1/responses, `store: false`), translated to chat completions for the upstream and back',
        headers: { ...JSON_CT, authorization: `Bearer ${SAIMA_BENCH_KEY}` },
        body: (m, opts) => responsesBody(opts?.slow ? 'bench-slow' : 'bench', m),
        valid: validResponse,
        only: TRACED_POINT,
        ttfb: true,
        directTtfb: passthrough
          ? { endpoint: '/v1/responses', url: `${up.fast.url}/v1/responses`, headers: { ...JSON_CT, authorization: 'Bearer up-key' }, body: responsesBody('bench-model', 'stream') }
          : { endpoint: completions, url: up.fast.url + completions, headers: { ...JSON_CT, authorization: 'Bearer up-key' }, body: chatBody('bench-model', 'stream') },
      };
    }
    case 'saima-embeddings': {
      // OpenAI's embeddings API in, as the official SDKs call it (base64 vectors), to the same contenders as `saima`.
      const server = await startSaima(name, 'embeddings', children, up, tmp);
      return {
        name, server, url: `${server.url}/v1/embeddings`,
        label: 'Saima as `saima`, OpenAI embeddings API in (/v1/embeddings, one text, `encoding_format: base64`, a 256-dimension vector back), the upstream\'s bytes passed back',
        headers: { ...JSON_CT, authorization: `Bearer ${SAIMA_BENCH_KEY}` },
        body: () => JSON.stringify({ model: 'bench', input: 'Say hello to the benchmark.', encoding_format: 'base64' }),
        valid: (text) => text.includes('"object":"list"') && text.includes('"object":"embedding"') && text.includes('"prompt_tokens":6'),
        only: ACCESS_POINT,
      };
    }
    case 'saima':
    case 'saima-open':
    case 'saima-guarded':
    case 'saima-traced': {
      const variant: SaimaVariant = name === 'saima' ? 'production' : name === 'saima-open' ? 'open' : name === 'saima-traced' ? 'traced' : 'guarded';
      let collectorUrl: string | undefined;
      if (variant === 'traced') {
        const collectorPort = await freePort();
        const collector = await children.start({ name: 'collector', args: [...supportScript('discard-collector'), '--port', String(collectorPort)], port: collectorPort, readyPath: '/health', readyStatus: 200 });
        collectorUrl = collector.url;
      }
      const server = await startSaima(name, variant, children, up, tmp, collectorUrl);
      const label = {
        production: 'Saima (auth, race, sticky, metering, request log)',
        open: 'Saima as above without a key (auth none, no limits, no budgets)',
        guarded: 'Saima as above + per-key and per-team RPM/TPM limits + team and contender daily budgets',
        traced: 'Saima as above + OpenTelemetry tracing at 100 % sampling to a loopback collector (OTLP/HTTP)',
      }[variant];
      return {
        name, label, server, url: server.url + completions,
        headers: variant === 'open' ? { ...JSON_CT } : { ...JSON_CT, authorization: `Bearer ${SAIMA_BENCH_KEY}` },
        body: (m, opts) => chatBody(opts?.slow ? 'bench-slow' : 'bench', m),
        ...(variant === 'production' ? {} : { only: variant === 'traced' ? TRACED_POINT : ACCESS_POINT }),
      };
    }
    case 'portkey': {
      const port = await freePort();
      const entry = portkeyEntry();
      const server = await children.start({ name, args: [entry.path, '--headless', `--port=${port}`], env: { NODE_ENV: 'production' }, port, readyPath: '/' });
      return {
        name, label: `Portkey gateway ${entry.version} (--headless, NODE_ENV=production)`, server, url: server.url + completions,
        headers: { ...JSON_CT, authorization: 'Bearer up-key', 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${up.fast.url}/v1` },
        body: (m) => chatBody('bench-model', m),
      };
    }
    default: {
      const never: never = name;
      throw new Error(`unknown target ${String(never)}`);
    }
  }
}
