/** A body of one chunk, for replies that were read or made whole before `send()` resolved. */
export function onceBody(chunk: Uint8Array): AsyncIterable<Uint8Array> {
  return {
    async *[Symbol.asyncIterator]() {
      yield chunk;
    },
  };
}
