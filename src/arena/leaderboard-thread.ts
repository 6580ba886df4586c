/**
 * Worker-thread entry of `leaderboard-worker.ts`: fits leaderboards sent by the main thread. A 1,000-round bootstrap
 * over 50 contenders is about a second of CPU; here it cannot stall the gateway's event loop.
 */
import { parentPort } from 'node:worker_threads';
import { SaimaError } from '../errors.js';
import { computeLeaderboard } from './leaderboard.js';
import type { LeaderboardJob, LeaderboardJobResult } from './leaderboard-worker.js';

const port = parentPort;
if (!port) throw new Error('leaderboard-thread runs as a worker thread');
port.on('message', (job: LeaderboardJob) => {
  let out: LeaderboardJobResult;
  try {
    const retired = new Set(job.retired);
    out = { id: job.id, board: computeLeaderboard({ ...job.data, retired: (name) => retired.has(name) }, job.opts) };
  } catch (err) {
    out = {
      id: job.id,
      error: err instanceof SaimaError ? { code: err.code, message: err.message, param: err.param } : { code: null, message: err instanceof Error ? err.message : String(err), param: null },
    };
  }
  port.postMessage(out);
});
