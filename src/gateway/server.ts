/**
 * Starts a gateway from a config: opens the store (migrations run there), makes sure an admin key exists when
 * auth is on, listens, and shuts down in order on close: stop accepting, let the calls in flight finish for up to
 * a grace period, cut the streams still open (the shutdown error event, recorded as such), drain shadow calls and
 * settles, then flush the request log and close the store. Nothing is appended to a closed request log.
 */
import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { registerSecretValues } from '../config/secret-values.js';
import type { Config } from '../config/types.js';
import { ProviderRegistry } from '../providers/registry.js';
import { openStore, type Store } from '../store/index.js';
import { buildApp, type AppDeps } from './app.js';
import { hashKey } from './auth.js';
import type { GatewayContext } from './context.js';
import { createKey } from './key-service.js';
import { assertLoopbackBound, assertLoopbackHost } from './listen-address.js';

/** Long enough for most answers to finish, short of Kubernetes' default 30 s before it sends SIGKILL. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 25_000;
/** After the cut: how long the cut calls get to record their rows (a commit, normally milliseconds). */
const CUT_RECORD_MS = 5_000;
/** How long connections that hold no call (a dashboard's live feed, a slow reader of a finished reply) may linger. */
const LINGER_MS = 1_000;

/**
 * Where the request log spools rows the store cannot take: `store_options.spool_path`, else next to the SQLite
 * file, else `.saima/request-spool.jsonl` (PostgreSQL; replicas sharing a directory need a spool_path each).
 */
export function spoolPathFor(config: Config): string {
  if (config.storeOptions.spoolPath) return resolve(config.storeOptions.spoolPath);
  const file = config.store.startsWith('sqlite:') ? config.store.slice('sqlite:'.length) : '';
  return file !== '' && file !== ':memory:' ? `${resolve(file)}.spool.jsonl` : resolve('.saima', 'request-spool.jsonl');
}

/** `SAIMA_SHUTDOWN_GRACE_MS` overrides the grace period (e.g. to match a container's stop timeout). */
export function shutdownGraceMs(env: NodeJS.ProcessEnv): number {
  const raw = env.SAIMA_SHUTDOWN_GRACE_MS;
  if (raw === undefined || raw === '') return DEFAULT_SHUTDOWN_GRACE_MS;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < 0) throw new Error(`SAIMA_SHUTDOWN_GRACE_MS must be a whole number of milliseconds ≥ 0 (got '${raw}')`);
  return ms;
}

export interface RunningGateway {
  app: FastifyInstance;
  ctx: GatewayContext;
  store: Store;
  url: string;
  /** Set when this start generated the first admin key; shown once, never stored. */
  generatedAdminKey: string | null;
  close(): Promise<void>;
}

/** With auth on: registers SAIMA_ADMIN_KEY if given, else generates an admin key when the store has none. */
export async function ensureAdminKey(store: Store, env: NodeJS.ProcessEnv, now: number): Promise<string | null> {
  const given = env.SAIMA_ADMIN_KEY;
  const admin = { team: 'admin', scopes: ['admin'] };
  registerSecretValues([given]);
  if (given) {
    if (!given.startsWith('sk-saima-') || given.length < 40) throw new Error('SAIMA_ADMIN_KEY must start with sk-saima- and be at least 40 characters');
    if (!(await store.apiKeys.findByHash(hashKey(given)))) await createKey(store.apiKeys, admin, now, given);
    return null;
  }
  if ((await store.apiKeys.list()).length > 0) return null;
  return (await createKey(store.apiKeys, admin, now)).secret;
}

export async function startGateway(
  config: Config,
  opts: { env?: NodeJS.ProcessEnv; port?: number; host?: string; shutdownGraceMs?: number } & Partial<Omit<AppDeps, 'config' | 'store' | 'providers'>> = {},
): Promise<RunningGateway> {
  const graceMs = opts.shutdownGraceMs ?? shutdownGraceMs(opts.env ?? process.env);
  // The host the listener gets (a flag wins over the config): the only one an access check may be made on.
  const host = opts.host ?? config.server.host;
  if (config.auth.mode === 'none') await assertLoopbackHost(host);
  // The gateway holds each response's end until its row commits: checkpoints must not stall that commit.
  const o = config.storeOptions;
  // The app's logger exists only once the app is built; store events before that are not lost, just quiet.
  let warn: (obj: object, msg: string) => void = () => {};
  const store = await openStore(config.store, {
    backgroundCheckpoint: true,
    connectTimeoutMs: o.connectMs,
    statementTimeoutMs: o.statementMs,
    busyTimeoutMs: o.busyMs,
    spool: { path: spoolPathFor(config), maxBytes: o.spoolMaxBytes, commitDeadlineMs: o.logCommitMs },
    onSpoolReplay: (err, rows) => {
      if (err) warn({ err: (err as Error).message }, 'store: replaying the request spool failed; the rows stay spooled');
      else if (rows > 0) warn({ rows }, 'store: spooled request rows replayed into the store');
    },
    onSpoolQuarantine: (row, err) =>
      warn({ id: row.id, err: (err as Error)?.message, file: `${spoolPathFor(config)}.quarantine` }, 'store: the store refuses a spooled request row; it is kept in the quarantine file and the rows after it go in'),
    refusalLog: { onError: (err) => warn({ err: (err as Error)?.message }, 'store: counts of refused requests not written yet; they are kept for the next try') },
    health: { onChange: (up, err) => warn(up ? {} : { err: (err as Error)?.message }, up ? 'store: answering again' : 'store: not answering') },
  });
  store.health.start();
  const providers = new ProviderRegistry(opts.random ? { random: opts.random } : {});
  let generatedAdminKey: string | null = null;
  try {
    if (config.auth.mode === 'keys') generatedAdminKey = await ensureAdminKey(store, opts.env ?? process.env, Date.now());
    const { app, ctx } = await buildApp({ ...opts, config, store, providers });
    warn = (obj, msg) => app.log.warn(obj, msg);
    // Fastify's own start line, reworded: it is the log record an operator reads the address and dashboard from.
    const startText = (address: string): string =>
      `saima listening on ${address} (dashboard ${address}/ui/; races: ${[...config.races.keys()].join(', ') || 'none'}; auth: ${config.auth.mode}; store: ${config.store.split(':')[0]})`;
    await app.listen({ port: opts.port ?? config.server.port, host, listenTextResolver: startText });
    const addr = app.server.address();
    if (config.auth.mode === 'none') {
      try {
        assertLoopbackBound(typeof addr === 'object' && addr ? addr.address : String(addr));
      } catch (err) {
        await app.close();
        throw err;
      }
    }
    const port = typeof addr === 'object' && addr ? addr.port : config.server.port;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    let closing: Promise<void> | null = null;
    return {
      app,
      ctx,
      store,
      url,
      generatedAdminKey,
      close() {
        closing ??= (async () => {
          // Stops accepting at once (requests on open keep-alive connections get 503); resolves once every
          // connection has ended and the onClose hooks (monitor, shadow calls, settles, Redis) have run.
          const closed = app.close();
          if (!(await ctx.inFlight.whenIdle(graceMs))) {
            ctx.inFlight.cut();
            await ctx.inFlight.whenIdle(CUT_RECORD_MS);
          }
          // Every call has its row by now; what still holds a connection holds no call.
          const linger = setTimeout(() => app.server.closeAllConnections(), LINGER_MS);
          await closed;
          clearTimeout(linger);
          await providers.close();
          await store.close();
        })();
        return closing;
      },
    };
  } catch (err) {
    await providers.close();
    await store.close();
    throw err;
  }
}
