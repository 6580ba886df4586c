/**
 * A client stream made chunk by chunk from an upstream's: a plain iterator over the adapter's, not a generator.
 *
 * Why not a generator declared inside the function that makes each stream: such a generator function is a new
 * closure on every call, and V8 (Node 22) then kept every call's objects alive through its young-generation
 * collections until a full one: at concurrency 1, bench:gateway's translated Responses stream kept 0.8–6 MB of new
 * objects alive at each scavenge where a chat stream kept 20 kB, so each request's objects were copied, promoted and
 * marked, and full collections came 3–4× as often. A generator declared once at the top level, or an iterator object as
 * here, does not (test/gateway/stream-generations.test.ts).
 */

/**
 * `rest` with every chunk put through `map`; a chunk that maps to nothing is skipped (the next one is read), and the
 * iterator ends when `rest` does. A failure of `rest` or of `map` rejects the read, as a generator would throw it.
 * Skipped chunks are read in a loop, not by chaining a promise per chunk: an upstream that sends one event in
 * thousands of slices (none of which makes output) must not grow a chain of pending promises until the event ends.
 */
export function mapChunks(rest: AsyncIterator<Uint8Array>, map: (chunk: Uint8Array) => Uint8Array): AsyncIterator<Uint8Array> {
  return {
    async next(): Promise<IteratorResult<Uint8Array>> {
      for (;;) {
        const r = await rest.next();
        if (r.done === true) return r;
        const value = map(r.value);
        if (value.length > 0) return { done: false, value };
      }
    },
  };
}
