/**
 * A replica that cannot reach the shared counters fails closed: admitting without them would let every replica
 * spend the whole budget. The client sees a 503 it may retry; the cause goes only to the log.
 */
import { SaimaError } from '../errors.js';

export function clusterUnavailable(what: string, err: unknown): SaimaError {
  if (err instanceof SaimaError) return err;
  return new SaimaError('service_unavailable', `${what} are unavailable right now; retry shortly.`, null, { cause: err });
}
