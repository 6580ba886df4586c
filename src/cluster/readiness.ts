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
  /**
   * The request-log spool: rows waiting for the store, and rows it refused for themselves (kept in the spool's
   * quarantine file for an operator). Neither makes the replica unready: its new rows still go in.
   */
  spool: { pending_bytes: number; quarantined: number };
}

export async function readiness(store: Pick<Store, 'health' | 'requestLog'>, cluster: GatewayCluster | null): Promise<Readiness> {
  const [db, redis] = await Promise.all([
    // A fresh probe under the health's deadline (under a second): a hung database answers "not ready", not nothing.
    store.health.check(),
    cluster ? cluster.ping() : Promise.resolve(null),
  ]);
  const spool = { pending_bytes: store.requestLog.spoolBytes, quarantined: store.requestLog.spoolQuarantined };
  return { ready: db && redis !== false, store: db, redis, spool };
}
