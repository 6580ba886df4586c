/**
 * `saima arena import`: a battle file imported as one transaction and as a set. Every battle has an identity (see
 * `battle-records.ts`), so importing a file again (or an overlapping one) adds only what is new; a bad battle
 * anywhere refuses the whole file, naming `file:line`, and nothing of it stays.
 *
 * A large file is read, parsed, validated and hashed on a worker thread while this thread writes the batches
 * before it: the two halves cost about the same, so the import takes about half the time. A small file is read
 * here (a thread costs more to start than the file to read). Both run the same code on each battle.
 */
import { statSync } from 'node:fs';
import { startWorker } from '../worker-thread.js';
import type { Config } from '../config/types.js';
import { batchSize, type BattleBatch, type Store } from '../store/index.js';
import { BattleFileError } from './battle-file.js';
import { battleBatches, type RecordContext } from './battle-records.js';

export { BattleFileError };

export interface ImportOptions {
  /** Race given to battles that name none. */
  race?: string | null;
  /** Battles per write (memory held at once). */
  batch?: number;
}

export interface ImportSummary {
  file: string;
  battles: number;
  inserted: number;
  present: number;
}

/** Files at least this large are read on a worker thread. */
const THREAD_MIN_BYTES = 1 << 20;

export async function importBattleFile(store: Store, config: Config, file: string, opts: ImportOptions = {}): Promise<ImportSummary> {
  if (opts.race && !config.races.has(opts.race)) throw new BattleFileError(`--race: no race named '${opts.race}'`);
  const size = statSync(file).size;
  const capturing = new Set([...config.races].filter(([, r]) => r.capture).map(([name]) => name));
  const ctx: RecordContext = { file, race: opts.race ?? null, now: Date.now(), capturing, batch: opts.batch ?? 5000 };
  const source = size >= THREAD_MIN_BYTES ? batchesOffThread(ctx) : runsOf(battleBatches(ctx));
  const count = { battles: 0 };
  // Roughly 200 bytes a battle: enough for the store to choose between row-by-row index updates and a rebuild.
  const { inserted, present } = await store.battles.importAll(counted(source, count), { expected: Math.round(size / 200) });
  return { file, battles: count.battles, inserted, present };
}

/** `source`'s batches as they pass, their battles added up in `count`. */
async function* counted(source: AsyncIterable<BattleBatch>, count: { battles: number }): AsyncGenerator<BattleBatch> {
  for await (const batch of source) {
    count.battles += batchSize(batch);
    yield batch;
  }
}

export interface ImportThreadData {
  entry: string;
  ctx: Omit<RecordContext, 'capturing'> & { capturing: string[] };
}

/**
 * A batch crosses as its runs. Lean runs are arrays of strings, which a structured clone copies about as fast as
 * the NUL-joined text they used to travel as, without the join and split (measured: a third less CPU on the reading
 * side, a sixth less on the writing side for the handover); a record object costs about as much to clone as its
 * JSON line to parse again, which is why the common battle travels as columns.
 */
export type ImportThreadMessage = { batch: BattleBatch[] } | { done: true } | { error: string; bad: boolean };

async function* runsOf(batches: AsyncIterable<BattleBatch[]>): AsyncGenerator<BattleBatch> {
  for await (const runs of batches) yield* runs;
}

/** The file's runs as `battleBatches` gives them, produced on a worker thread a few batches ahead. */
async function* batchesOffThread(ctx: RecordContext): AsyncGenerator<BattleBatch> {
  const data: Omit<ImportThreadData, 'entry'> = { ctx: { ...ctx, capturing: [...ctx.capturing] } };
  const worker = startWorker(import.meta.url, 'battle-import-thread', data);
  const inbox: ImportThreadMessage[] = [];
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  const notify = () => {
    wake?.();
    wake = null;
  };
  worker.on('message', (m: ImportThreadMessage) => {
    inbox.push(m);
    notify();
  });
  worker.on('error', (err) => {
    failure ??= err;
    notify();
  });
  worker.on('exit', (code) => {
    failure ??= new Error(`the import thread exited with code ${code}`);
    notify();
  });
  try {
    for (;;) {
      while (inbox.length === 0 && failure === null) await new Promise<void>((r) => (wake = r));
      const m = inbox.shift();
      if (!m) throw failure!;
      if ('error' in m) throw m.bad ? new BattleFileError(m.error) : new Error(m.error);
      if ('done' in m) return;
      worker.postMessage('more'); // the thread reads the next batch while this one is written
      yield* m.batch;
    }
  } finally {
    await worker.terminate();
  }
}
