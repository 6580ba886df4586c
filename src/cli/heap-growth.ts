/**
 * How far the gateway process lets V8's old generation grow before a full GC. V8 waits until it has grown up to
 * 4× what survived the previous one. A gateway's survivors are ~30 MB (code, caches, config); what dies in the old
 * generation is requests that were in flight at a scavenge and got promoted, so under load it fills with dead
 * requests. Measured over bench:gateway's load sequence: with V8's default the old generation reached ~100 MB
 * between two full GCs and RSS peaked at 235 MB with 200 open streams; a full GC at 1.5× (heap-growing-percent 50)
 * kept it near 50 MB and the peak at 185 MB, for 4 more full GCs in that minute (5–8 ms pauses each; the marking
 * itself runs on a helper thread).
 *
 * V8 reads this flag each time it sets the next limit, so setting it after start takes effect. A value given to
 * node on the command line (`node --heap-growing-percent=N`) wins.
 */
import v8 from 'node:v8';

export const GATEWAY_HEAP_GROWING_PERCENT = 50;

/** Applies the bound unless node was started with its own; says which. */
export function boundHeapGrowth(execArgv: readonly string[] = process.execArgv, percent = GATEWAY_HEAP_GROWING_PERCENT): 'applied' | 'left to the command line' {
  if (execArgv.some((a) => /^--heap[-_]growing[-_]percent\b/.test(a))) return 'left to the command line';
  v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
  return 'applied';
}

/**
 * The size of each of the two semi-spaces of V8's young generation in the gateway process. V8 grows them under
 * allocation pressure up to 16 MB on Node 22 and 32 MB on Node 24 (importing the gateway's modules alone takes them
 * to 8 MB) and keeps that memory for good. Measured with bench:gateway's load (40,000 requests, then 200 open
 * streams) on Node 22: 4 MB lowered the RSS peak by ~20 MB for 0–15% more CPU per request than 16 MB (back to back:
 * non-stream 0.222 vs 0.188 ms, stream 0.366 vs 0.350 ms); 1 MB cost half the throughput. 8 MB, back to back with 4:
 * 10–19 % less CPU per request, and a request waits for a scavenge half as often. It cost 15–20 MB of the RSS peak
 * (203–209 MB against 189–191) until the gateway ran one worker isolate instead of two and stopped loading ICU's
 * locale data at start; since then 8 MB peaks at 183–198 MB over five runs (4 MB: 172).
 */
export const GATEWAY_SEMI_SPACE_MB = 8;

/**
 * glibc's malloc gives threads that allocate their own arenas (up to 8 per core) and keeps what is freed in them. The
 * gateway has several such threads (the evidence and checkpoint thread, body threads, libuv's pool); two arenas
 * lowered the RSS peak of a gateway with budgets and rate limits, after bench:gateway's load and 200 open streams,
 * from 230 to 203 MB.
 * Read by glibc when the process starts; other C libraries ignore it.
 */
export const GATEWAY_MALLOC_ARENAS = 2;

const SEMI_SPACE_FLAG = /--(?:max|min)[-_]semi[-_]space[-_]size\b|--semi[-_]space[-_]growth[-_]factor\b/;

/**
 * How to start this process again with the young generation and malloc's arenas bounded, or null when there is
 * nothing to change: a semi-space setting given to node (on its command line or in NODE_OPTIONS) wins, and so does a
 * MALLOC_ARENA_MAX in the environment. Both are read only when a process starts, so the only way to set them from
 * inside is to start again (`process.execve`: same process id, same standard streams).
 */
export function boundedStart(execArgv: readonly string[], argv: readonly string[], env: NodeJS.ProcessEnv, mb = GATEWAY_SEMI_SPACE_MB): { args: string[]; env: NodeJS.ProcessEnv } | null {
  const ownSemiSpace = execArgv.some((a) => SEMI_SPACE_FLAG.test(a)) || SEMI_SPACE_FLAG.test(env.NODE_OPTIONS ?? '');
  const ownArenas = env.MALLOC_ARENA_MAX !== undefined;
  if (ownSemiSpace && ownArenas) return null;
  return {
    args: [...(ownSemiSpace ? [] : [`--max-semi-space-size=${mb}`]), ...execArgv, ...argv.slice(1)],
    env: ownArenas ? env : { ...env, MALLOC_ARENA_MAX: String(GATEWAY_MALLOC_ARENAS) },
  };
}
