/**
 * The things the gateway benchmark drives: the fake upstream itself ("direct"), the undici floor, Saima (as
 * configured in production, without a key, with limits and budgets, with tracing on) and the peer Portkey gateway. Each proxy runs in its own process; each target knows how to address a chat
 * completion to itself.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, type ChildProcesses, type ChildServer } from './child-processes.js';
import { SAIMA_BENCH_KEY, writeSaimaConfig, type SaimaVariant } from './saima-config.js';

export type Mode = 'non-stream' | 'stream';
export type TargetName = 'direct' | 'floor' | 'saima' | 'portkey' | 'saima-open' | 'saima-guarded' | 'saima-traced' | 'saima-messages';
// Order is run order within each point: the access-control pair runs beside Saima, before the peer, whose process
// keeps working after its own runs end (measured: targets run right after it cost up to 2× their CPU).
export const TARGET_NAMES: readonly TargetName[] = ['direct', 'floor', 'saima', 'saima-traced', 'saima-messages', 'saima-open', 'saima-guarded', 'portkey'];

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
}

/** The access-control comparison runs where throughput is saturated and steadiest. */
const ACCESS_POINT = { modes: ['non-stream'] as const, concurrency: [50] };
// Both modes at the one concurrency their bars compare at (tracing on vs off; the Messages door vs the floor).
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

const JSON_CT = { 'content-type': 'application/json' };

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
    case 'saima-messages': {
      // Anthropic's Messages API in, translated for the OpenAI-format upstream, translated back (the same config as `saima`).
      const port = await freePort();
      const config = writeSaimaConfig(tmp, port, up.fast.port, up.slow.port, 'messages');
      const main = join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
      const server = await children.start({ name, args: [main, 'serve', '--config', config], env: { SAIMA_ADMIN_KEY: SAIMA_BENCH_KEY, NODE_ENV: 'production' }, port, readyPath: '/health', readyStatus: 200 });
      return {
        name, label: 'Saima as `saima`, Anthropic Messages API in (/v1/messages), translated to the OpenAI-format upstream and back', server, url: `${server.url}/v1/messages`,
        headers: { ...JSON_CT, 'x-api-key': SAIMA_BENCH_KEY, 'anthropic-version': '2023-06-01' },
        body: (m, opts) => messagesBody(opts?.slow ? 'bench-slow' : 'bench', m),
        valid: (text, stream) => (stream ? text.includes('"text":"Hello') && text.includes('event: message_stop') : text.includes('"text":"Hello there')),
        only: TRACED_POINT,
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
      const port = await freePort();
      const config = writeSaimaConfig(tmp, port, up.fast.port, up.slow.port, variant, collectorUrl);
      const main = join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
      if (!existsSync(main)) throw new Error(`${main.slice(repoRoot().length + 1)} does not exist (run npm run build)`);
      const server = await children.start({ name, args: [main, 'serve', '--config', config], env: { SAIMA_ADMIN_KEY: SAIMA_BENCH_KEY, NODE_ENV: 'production' }, port, readyPath: '/health', readyStatus: 200 });
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
