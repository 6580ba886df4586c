/** A worker-thread entry for test/worker-thread.test.ts: echoes jobs, exits, or never answers, as a job asks. */
import { parentPort } from 'node:worker_threads';

parentPort!.on('message', (job: { id: number; op: 'echo' | 'exit' | 'hang'; value?: unknown }) => {
  if (job.op === 'echo') parentPort!.postMessage({ id: job.id, value: job.value });
  else if (job.op === 'exit') process.exit(3);
});
