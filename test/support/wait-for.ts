/** Polls `ok` until it holds; fails naming `what` after `timeoutMs`. For states a test cannot await directly. */
export async function waitFor(what: string, ok: () => boolean, timeoutMs = 10_000, pollMs = 10): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
