/**
 * Worker-thread entry of `monitor-evidence-worker.ts`: the race monitor's evidence reader on a connection of its
 * own. The reader, its per-user books and its sample-ratio tallies live here, so the gateway's thread neither reads
 * the rows (SQLite reads are synchronous on the thread that makes them; a PostgreSQL driver parses every result row
 * on it) nor folds them; it receives each race's evidence, a few numbers per arm and window.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../store/db.js';
// The repositories alone, not the store's index: the thread starts faster without the writer, the spool, the migrations.
import { BattlesRepo } from '../store/repos/battles.js';
import { FeedbackRepo } from '../store/repos/feedback.js';
import { RequestsRepo } from '../store/repos/requests.js';
import { runWalCheckpoints } from '../store/wal-checkpoint-loop.js';
import { EvidenceReader } from './monitor-evidence.js';
import type { EvidenceJob, EvidenceJobResult, EvidenceNotice, EvidenceThreadData } from './monitor-evidence-worker.js';

const port = parentPort;
if (!port) throw new Error('monitor-evidence-thread runs as a worker thread');
const data = workerData as EvidenceThreadData;
// The gateway migrated the database before it started the monitor: this connection only reads. A few pooled
// connections on PostgreSQL: a window reads requests and battles at once.
const handle = await openDatabase(data.url, { ...data.options, poolSize: 3 });
const raw = handle.dialect === 'sqlite' ? handle.raw : null;
const store = { requests: new RequestsRepo(handle.db, handle.dialect, raw), feedback: new FeedbackRepo(handle.db), battles: new BattlesRepo(handle.db, raw) };
const reader = new EvidenceReader(store, { fx: data.fx, contenders: new Map(data.contenders) });
// The store's WAL checkpoints, when handed to this thread: on a connection of their own, between the reads.
if (data.walCheckpoints) {
  runWalCheckpoints(data.walCheckpoints.file, data.walCheckpoints.intervalMs, (error) => port.postMessage({ checkpoint: true, error } satisfies EvidenceNotice));
}

port.on('message', (job: EvidenceJob) => {
  if ('ping' in job) {
    port.postMessage({ id: job.id, ready: true } satisfies EvidenceJobResult);
    return;
  }
  reader.read(job.race, job.state, job.now).then(
    (e): EvidenceJobResult => ({ id: job.id, windows: e.windows, assignment: e.assignment }),
    (err: unknown): EvidenceJobResult => ({ id: job.id, error: err instanceof Error ? err.message : String(err) }),
  ).then((out) => port.postMessage(out));
});
