/**
 * Worker-thread entry of `battle-import.ts`: reads, parses and validates an import file and hashes each battle's
 * identity, sending the records to the importing thread in batches. It runs at most a few batches ahead (the
 * importer grants one more as it takes each), so memory stays flat however long the file.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { BattleFileError } from './battle-file.js';
import { battleBatches, type RecordContext } from './battle-records.js';
import type { ImportThreadData, ImportThreadMessage } from './battle-import.js';

const port = parentPort;
if (!port) throw new Error('battle-import-thread runs as a worker thread');
const { ctx: given } = workerData as ImportThreadData;
const ctx: RecordContext = { ...given, capturing: new Set(given.capturing) };
let credits = 2;
let wake: (() => void) | null = null;
port.on('message', () => {
  credits++;
  wake?.();
  wake = null;
});
const send = (m: ImportThreadMessage) => port.postMessage(m);
try {
  for await (const batch of battleBatches(ctx)) {
    while (credits === 0) await new Promise<void>((r) => (wake = r));
    credits--;
    send({ batch });
  }
  send({ done: true });
} catch (err) {
  send({ error: err instanceof Error ? err.message : String(err), bad: err instanceof BattleFileError });
}
