/**
 * Holds the session for the whole app: restores the key from sessionStorage on load (checking it with
 * GET /admin/session), signs in and out, and hands pages an ApiClient bound to the key.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ApiClient } from '../api/api-client.js';
import { apiErrorFrom } from '../api/api-error.js';
import { clearKey, loadKey, saveKey, type Session, type SessionInfo } from './session.js';

interface SessionApi {
  /** undefined while a stored key is being checked. */
  session: Session | null | undefined;
  client: ApiClient | null;
  login: (key: string) => Promise<void>;
  logout: () => void;
}

interface SessionBody {
  key_id: string | null;
  team: string | null;
  scopes: string[];
  admin: boolean;
  auth: 'none' | 'keys';
  time_zone: string;
}

export async function checkKey(key: string): Promise<SessionInfo> {
  const res = await fetch('/admin/session', { headers: { authorization: `Bearer ${key}` } });
  if (!res.ok) throw await apiErrorFrom(res);
  const b = (await res.json()) as SessionBody;
  return { keyId: b.key_id, team: b.team, scopes: b.scopes, admin: b.admin, auth: b.auth, timeZone: b.time_zone };
}

const SessionContext = createContext<SessionApi | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null | undefined>(() => (loadKey() ? undefined : null));

  const logout = useCallback(() => {
    clearKey();
    setSession(null);
  }, []);

  useEffect(() => {
    const key = loadKey();
    if (!key) return;
    checkKey(key).then(
      (info) => setSession({ key, info }),
      () => logout(),
    );
  }, [logout]);

  const login = useCallback(async (key: string) => {
    const info = await checkKey(key);
    saveKey(key);
    setSession({ key, info });
  }, []);

  const client = useMemo(() => (session ? new ApiClient(session.key, logout) : null), [session, logout]);
  const value = useMemo(() => ({ session, client, login, logout }), [session, client, login, logout]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionApi {
  const ctx = useContext(SessionContext);
  if (!ctx) throw new Error('useSession outside SessionProvider');
  return ctx;
}

/** The client of a signed-in page (the app renders pages only with a session). */
export function useClient(): ApiClient {
  const { client } = useSession();
  if (!client) throw new Error('useClient without a session');
  return client;
}
