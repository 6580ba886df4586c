/**
 * The result cache key: (contender, item, twin, sample, params). The contender is identified by what reaches the
 * upstream (name, protocol, model, base URL), the variant by its id and exact messages, so an edited item or a
 * re-pointed contender misses the cache instead of reusing a stale answer. The sample index is part of the key, so
 * k samples are k real, independent calls (pass@k and pass^k are unbiased only then).
 */
import { createHash } from 'node:crypto';
import type { Contender } from '../config/types.js';
import type { Variant } from './variant.js';

const VERSION = 1;

/** What identifies a contender's answers: recorded in the run, so a re-pointed contender is noticed. */
export interface ContenderIdentity {
  name: string;
  protocol: string;
  model: string;
  baseUrl: string;
}

export const identityOf = (c: Contender): ContenderIdentity => ({ name: c.name, protocol: c.protocol, model: c.model, baseUrl: c.baseUrl });

export function sameIdentity(a: ContenderIdentity, b: ContenderIdentity): boolean {
  return a.name === b.name && a.protocol === b.protocol && a.model === b.model && a.baseUrl === b.baseUrl;
}

export function cacheKey(contender: ContenderIdentity, variant: Variant, sample: number, salt: string): string {
  return createHash('sha256')
    .update(JSON.stringify([VERSION, contender.name, contender.protocol, contender.model, contender.baseUrl, variant.id, variant.messages, sample, variant.params, salt]))
    .digest('base64url');
}
