/**
 * Child process for request-log-kill9.test.ts: appends rows from 32 concurrent loops to the store at argv[2] and
 * prints each id to stdout once its append has resolved (committed), until it is killed.
 */
import { openStore } from '../../src/store/index.js';
import { requestRow } from './rows.js';

const store = await openStore(process.argv[2]!);
process.stdout.write('ready\n');
let n = 0;
async function loop(w: number): Promise<never> {
  for (;;) {
    const id = `k9-${w}-${n++}`;
    await store.requestLog.append(requestRow({ id, ts: Date.now() }));
    process.stdout.write(`${id}\n`);
  }
}
await Promise.all(Array.from({ length: 32 }, (_, w) => loop(w)));
