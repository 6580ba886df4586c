/** Worker-thread entry of `wal-checkpointer.ts` when the checkpointer runs its own thread. */
import { parentPort, workerData } from 'node:worker_threads';
import { runWalCheckpoints } from './wal-checkpoint-loop.js';

const port = parentPort;
if (!port) throw new Error('wal-checkpoint-thread runs as a worker thread');
const { file, intervalMs } = workerData as { file: string; intervalMs: number };
const loop = runWalCheckpoints(file, intervalMs, (error) => port.postMessage(error === null ? { type: 'done' } : { type: 'error', message: error }));
port.on('message', (m) => {
  if (m !== 'stop') return;
  loop.stop();
  process.exit(0);
});
