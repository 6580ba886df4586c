/** CLI commands that read or write the store open it from the same config file the gateway runs with. */
import { loadConfigFile } from '../config/load.js';
import type { Config } from '../config/types.js';
import { openStore, type Store } from '../store/index.js';

export async function withStore<T>(configFile: string, fn: (store: Store, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfigFile(configFile);
  const store = await openStore(config.store);
  try {
    return await fn(store, config);
  } finally {
    await store.close();
  }
}
