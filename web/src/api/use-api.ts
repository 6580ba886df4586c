/**
 * Loads JSON from the gateway for a page: re-fetches when the path changes, optionally polls, and keeps the last
 * good data on screen while a refresh is in flight (no flicker on polls).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { useClient } from '../session/session-context.js';

export interface ApiState<T> {
  data: T | undefined;
  error: Error | null;
  loading: boolean;
  reload: () => void;
}

export function useApi<T>(path: string | null, opts: { refreshMs?: number } = {}): ApiState<T> {
  const client = useClient();
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<Error | null>(null);
  const [loading, setLoading] = useState(path !== null);
  const [tick, setTick] = useState(0);
  const lastPath = useRef<string | null>(null);

  useEffect(() => {
    if (path === null) return;
    if (lastPath.current !== path) {
      lastPath.current = path;
      setData(undefined);
    }
    const ac = new AbortController();
    setLoading(true);
    client.get<T>(path, ac.signal).then(
      (d) => {
        setData(d);
        setError(null);
        setLoading(false);
      },
      (err: unknown) => {
        if (ac.signal.aborted) return;
        setError(err instanceof Error ? err : new Error(String(err)));
        setLoading(false);
      },
    );
    return () => ac.abort();
  }, [client, path, tick]);

  useEffect(() => {
    if (!opts.refreshMs || path === null) return;
    const id = window.setInterval(() => setTick((n) => n + 1), opts.refreshMs);
    return () => window.clearInterval(id);
  }, [opts.refreshMs, path]);

  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { data, error, loading, reload };
}
