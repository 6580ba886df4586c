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
