/**
 * The readiness probe: a replica is ready when its store answers and, clustered, Redis does too. A replica that
 * lost Redis refuses limited and budgeted requests (it fails closed), so a load balancer should stop sending it
 * traffic until Redis is back; liveness (`/health`) stays green meanwhile, so it is not restarted for nothing.
 */
import type { Store } from '../store/index.js';
import type { GatewayCluster } from './gateway-cluster.js';

export interface Readiness {
  ready: boolean;
  store: boolean;
  /** null on a single node. */
  redis: boolean | null;
}

export async function readiness(store: Pick<Store, 'health'>, cluster: GatewayCluster | null): Promise<Readiness> {
  const [db, redis] = await Promise.all([
    // A fresh probe under the health's deadline (under a second): a hung database answers "not ready", not nothing.
    store.health.check(),
    cluster ? cluster.ping() : Promise.resolve(null),
  ]);
  return { ready: db && redis !== false, store: db, redis };
}
