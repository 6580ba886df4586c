/**
 * Worker threads as every part of Saima starts them: the entry module beside the caller — its `.ts` source under
 * tsx (which the thread registers before importing it), its `.js` build otherwise — and, for threads that answer
 * jobs one for one, a channel whose calls fail instead of hanging when the thread dies.
 */
import { Worker, type Transferable } from 'node:worker_threads';

const BOOT = `const { workerData } = require('node:worker_threads');
(async () => {
  if (workerData.entry.endsWith('.ts')) (await import('tsx/esm/api')).register();
  await import(workerData.entry);
})().catch((err) => { setImmediate(() => { throw err; }); });`;

/**
 * Starts the module `file` (its name without extension, beside `callerUrl`: pass `import.meta.url`) as a thread.
 * `youngGenerationMb` bounds the thread's young generation, for threads that live as long as the process: V8 lets
 * each isolate's semi-spaces grow to 16 MB (32 MB on Node 24) and keeps what they grew to (`cli/heap-growth.ts` bounds the main thread's).
 */
export function startWorker(callerUrl: string, file: string, workerData: Record<string, unknown> = {}, youngGenerationMb?: number): Worker {
  const entry = new URL(`./${file}${callerUrl.endsWith('.ts') ? '.ts' : '.js'}`, callerUrl).href;
  return new Worker(BOOT, { eval: true, workerData: { ...workerData, entry }, ...(youngGenerationMb ? { resourceLimits: { maxYoungGenerationSizeMb: youngGenerationMb } } : {}) });
}

interface Pending<R> {
  resolve(result: R): void;
  reject(err: unknown): void;
}

/**
 * A thread that answers each `{id, …}` job with one `{id, …}` result. It does not keep the process alive while it has
 * nothing to do; when it dies (crash, `process.exit`, terminate), every job it holds is rejected and `onDeath` runs.
 */
export class JobThread<Job extends { id: number }, Result extends { id: number }> {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending<Result>>();
  #dead = false;

  /** `onNotice` gets what the thread sends on its own, outside any job (a message without a numeric `id`). */
  constructor(worker: Worker, name: string, onDeath?: (err: Error) => void, onNotice?: (message: unknown) => void) {
    this.#worker = worker;
    worker.unref();
    worker.on('message', (r: Result) => {
      if (typeof (r as { id?: unknown } | null)?.id !== 'number') return void onNotice?.(r);
      const p = this.#pending.get(r.id);
      this.#pending.delete(r.id);
      if (this.#pending.size === 0) worker.unref();
      p?.resolve(r);
    });
    const fail = (err: Error): void => {
      if (this.#dead) return;
      this.#dead = true;
      onDeath?.(err);
      for (const p of this.#pending.values()) p.reject(err);
      this.#pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`${name} exited with code ${code}`)));
  }

  /** Jobs sent and not answered yet. */
  get pending(): number {
    return this.#pending.size;
  }

  post(job: Job, transfer: readonly Transferable[] = []): Promise<Result> {
    if (this.#dead) return Promise.reject(new Error('the thread has exited'));
    return new Promise<Result>((resolve, reject) => {
      this.#pending.set(job.id, { resolve, reject });
      this.#worker.ref();
      this.#worker.postMessage(job, transfer as Transferable[]);
    });
  }

  terminate(): Promise<number> {
    return this.#worker.terminate();
  }
}
