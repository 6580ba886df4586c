/**
 * The whole service: the gateway with the arena wired in through the gateway's extension hooks (its routes, the
 * shadow judge, battle uploads checked on the body threads). `saima serve`, the demo and the tests start it from
 * here; the gateway itself imports nothing from the arena.
 */
import { BATTLE_BODY_CHECK } from '../arena/battle-body.js';
import { judgeShadowPair } from '../arena/shadow-judge.js';
import type { Config } from '../config/types.js';
import { buildApp, type AppDeps } from '../gateway/app.js';
import type { GatewayExtension } from '../gateway/extension.js';
import { startGateway, type RunningGateway } from '../gateway/server.js';
import { registerArenaRoutes } from './arena-routes.js';

/** The arena over HTTP: matches, votes, battles, the leaderboard; judged shadow pairs. */
export const arenaExtension: GatewayExtension = {
  register: registerArenaRoutes,
  judgeShadow: (ctx, guard, body, served, shadow) => judgeShadowPair({ ...ctx, guard }, body, served, shadow),
  offThreadBodies: { '/v1/arena/battles': BATTLE_BODY_CHECK },
};

const EXTENSIONS: readonly GatewayExtension[] = [arenaExtension];

/** `startGateway` with every module the service serves. */
export function startServer(config: Config, opts: Parameters<typeof startGateway>[1] = {}): Promise<RunningGateway> {
  return startGateway(config, { ...opts, extensions: [...EXTENSIONS, ...(opts.extensions ?? [])] });
}

/** `buildApp` with every module the service serves (tests that inject requests without listening). */
export function buildServerApp(deps: AppDeps): ReturnType<typeof buildApp> {
  return buildApp({ ...deps, extensions: [...EXTENSIONS, ...(deps.extensions ?? [])] });
}
