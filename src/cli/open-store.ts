/** CLI commands that read or write the store open it from the same config file the gateway runs with. */
import { existsSync } from 'node:fs';
import { loadConfigFile } from '../config/load.js';
import type { Config } from '../config/types.js';
import { openStore, type Store } from '../store/index.js';

/**
 * `reads`: the command only shows what is stored (race show, spend, leaderboard, keys ls, eval report); for those, a
 * store that does not exist yet is noted, since an empty answer from the wrong path reads like "nothing happened".
 */
export async function withStore<T>(configFile: string, fn: (store: Store, config: Config) => Promise<T>, opts: { reads?: boolean } = {}): Promise<T> {
  const config = loadConfigFile(configFile);
  const path = config.store.startsWith('sqlite:') ? config.store.slice('sqlite:'.length) : null;
  if (opts.reads && path && path !== ':memory:' && !existsSync(path)) {
    // A typo in the path, or a config copied elsewhere, would otherwise show empty races as if nothing had happened.
    process.stderr.write(`saima: note: no store at ${path} yet, starting an empty one (a SQLite path is relative to the config file)\n`);
  }
  const store = await openStore(config.store);
  try {
    return await fn(store, config);
  } finally {
    await store.close();
  }
}
