/** One human line for any error the CLI meets. */
import { ConfigError } from '../config/load.js';
import { SaimaError, sanitize } from '../errors.js';

export function describeError(err: unknown): string {
  return sanitize(describe(err));
}

function describe(err: unknown): string {
  if (err instanceof ConfigError) return err.message;
  if (err instanceof SaimaError) return err.message;
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'EADDRINUSE') return `address already in use (${e.message.replace(/^.*address already in use\s*/, '')})`;
  if (e?.code === 'EACCES') return `permission denied: ${e.message}`;
  if (e instanceof Error) return e.message.split('\n')[0] ?? 'error';
  return String(err);
}
