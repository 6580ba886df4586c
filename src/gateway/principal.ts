/** Who is calling: resolved from the API key (or the anonymous principal of an `auth: none` gateway). */
export type Scope = 'chat' | 'feedback' | 'arena:vote' | 'admin';

export interface Principal {
  keyId: string | null;
  team: string | null;
  scopes: ReadonlySet<string>;
  /** Races (and contenders) this key may call; null means all. */
  races: ReadonlySet<string> | null;
  /** The key's own rate limits (or the configured key defaults). */
  limits: { rpm: number | null; tpm: number | null };
}

export const ANONYMOUS: Principal = Object.freeze({
  keyId: null,
  team: null,
  scopes: new Set<string>(['chat', 'feedback', 'arena:vote', 'admin']),
  races: null,
  limits: { rpm: null, tpm: null },
});

/** Who calls a public route (probes, static files) on a gateway with keys: nobody, with no scope at all. */
export const NOBODY: Principal = Object.freeze({
  keyId: null,
  team: null,
  scopes: new Set<string>(),
  races: new Set<string>(),
  limits: { rpm: null, tpm: null },
});

export function hasScope(p: Principal, scope: Scope): boolean {
  return p.scopes.has(scope) || p.scopes.has('admin');
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
}
