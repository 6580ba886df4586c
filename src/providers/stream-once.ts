/**
 * A body of one chunk, for replies that were read or made whole before `send()` resolved. A plain iterator
 * object: an async generator costs a measurable share of a non-streamed request.
 */
export function onceBody(chunk: Uint8Array): AsyncIterable<Uint8Array> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
      let done = false;
      return {
        next: () => {
          if (done) return Promise.resolve({ done: true, value: undefined });
          done = true;
          return Promise.resolve({ done: false, value: chunk });
        },
        return: () => {
          done = true;
          return Promise.resolve({ done: true, value: undefined });
        },
      };
    },
  };
}
