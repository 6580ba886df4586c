/**
 * A client stream made chunk by chunk from an upstream's: a plain iterator over the adapter's, not a generator.
 *
 * Why not a generator declared inside the function that makes each stream: such a generator function is a new
 * closure on every call, and V8 (Node 22) then kept every call's objects alive through its young-generation
 * collections until a full one: at concurrency 1, bench:gateway's translated Responses stream kept 0.8–3 MB of new
 * objects alive at each scavenge where a chat stream kept 20 kB, so each request's objects were copied, promoted and
 * marked, and full collections came 3–4× as often. A generator declared once at the top level, or a promise chain as
 * here, does not (test/gateway/stream-generations.test.ts). This one also spares a generator's own promises per chunk.
 */

/**
 * `rest` with every chunk put through `map`; a chunk that maps to nothing is skipped (the next one is read), and the
 * iterator ends when `rest` does. A failure of `rest` or of `map` rejects the read, as a generator would throw it.
 */
export function mapChunks(rest: AsyncIterator<Uint8Array>, map: (chunk: Uint8Array) => Uint8Array): AsyncIterator<Uint8Array> {
  const step = (r: IteratorResult<Uint8Array>): IteratorResult<Uint8Array> | Promise<IteratorResult<Uint8Array>> => {
    if (r.done === true) return r;
    const value = map(r.value);
    return value.length > 0 ? { done: false, value } : rest.next().then(step);
  };
  return { next: () => rest.next().then(step) };
}
