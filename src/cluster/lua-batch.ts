/**
 * Several Lua functions behind one script, with the calls made during one event-loop turn sent as one EVALSHA.
 * Each call still runs atomically and in order (Redis runs the whole script without interleaving anything), but
 * the client pays its per-command cost (encoding, parsing, a promise, a socket write) once per turn instead of once
 * per call: the request log's group commit, applied to the shared counters. The batch's arguments travel packed in
 * one string, since ioredis's work is per argument: together these halved what the shared counters cost a replica
 * per request (see bench/cluster.ts).
 */
import type { Redis } from 'ioredis';
import { LuaScript } from './lua-script.js';
import type { RedisCircuit } from './redis-circuit.js';

/**
 * A Lua function body that reads `KEYS` and `ARGV` (its parameters here) and returns a Redis reply. Two upvalues
 * are shared by every call of a batch: `now`, Redis's clock in milliseconds when the batch began (one TIME per
 * batch, not per call), and `once`, an empty table for work a batch needs done only once (a sweep, an expiry).
 */
export type LuaBody = string;

interface Pending {
  fn: number;
  keys: readonly string[];
  args: ReadonlyArray<string | number>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** One promise shared by every caller whose part went in the same `gather` call. */
function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Ends every field of the packed ARGV; no number or id Saima sends contains it. */
const SEP = '\x1f';

/** Calls per script run: keeps one run short, since Redis serves nothing else while it runs. */
const MAX_BATCH = 256;
/** How long a lazy call waits for an urgent one to ride with. */
const LAZY_MS = 5;

export class LuaBatch<Name extends string> {
  readonly #script: LuaScript;
  readonly #ids: ReadonlyMap<Name, number>;
  #pending: Pending[] = [];
  #scheduled = false;
  #lazyTimer: NodeJS.Timeout | null = null;
  /** The `gather` senders, run as each batch leaves. */
  readonly #beforeFlush: Array<() => void> = [];
  #flushing = false;

  constructor(
    readonly redis: Redis,
    functions: Readonly<Record<Name, LuaBody>>,
    /** When given: a call while it is open fails at once, and a batch that failed tells it (redis-circuit.ts). */
    readonly circuit: Pick<RedisCircuit, 'unavailable' | 'reportFailure'> | null = null,
  ) {
    const names = Object.keys(functions) as Name[];
    this.#ids = new Map(names.map((n, i) => [n, i + 1]));
    // KEYS holds each distinct key of the batch once (a batch's requests mostly share their buckets and budget
    // windows), and one ARGV string carries the rest, each field ended by the unit separator (0x1f): the number of
    // calls, then per call its function id, key count and arg count, the KEYS index of each of its keys, and its
    // args. ioredis handles every argument of a command on its own (flattening, conversion, framing), and that was
    // most of what a replica paid for coordination; one Lua pass splitting a string costs Redis far less.
    // A failing call (pcall) answers its own error and leaves the others alone.
    this.#script = new LuaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local once = {}
local fns = {}
${names.map((n, i) => `fns[${i + 1}] = function(KEYS, ARGV)\n${functions[n]}\nend`).join('\n')}
local f, nf = {}, 0
for v in string.gmatch(ARGV[1], '([^\\31]*)\\31') do nf = nf + 1; f[nf] = v end
local out = {}
local p = 2
for c = 1, tonumber(f[1]) do
  local fn, nk, na = tonumber(f[p]), tonumber(f[p + 1]), tonumber(f[p + 2])
  p = p + 3
  local keys, args = {}, {}
  for i = 1, nk do keys[i] = KEYS[tonumber(f[p + i - 1])] end
  p = p + nk
  for i = 1, na do args[i] = f[p + i - 1] end
  p = p + na
  local ok, res = pcall(fns[fn], keys, args)
  -- A nil or false inside a reply array would cut it short there: every call answers something.
  if not ok then out[c] = {'ERR', tostring(res)} elseif res == nil or res == false then out[c] = 0 else out[c] = res end
end
return out
`);
  }

  /**
   * Queues one call; resolves with its reply. A call nobody waits for (`lazy`: a settle, which the request does not await)
   * rides along with the next urgent flush, or goes after `LAZY_MS` if none comes: fewer socket writes, each of
   * which wakes Redis.
   */
  call(name: Name, keys: readonly string[], args: ReadonlyArray<string | number>, opts: { lazy?: boolean } = {}): Promise<unknown> {
    const fn = this.#ids.get(name);
    if (fn === undefined) return Promise.reject(new Error(`LuaBatch: no function '${name}'`));
    const down = this.circuit?.unavailable();
    if (down) return Promise.reject(new Error(`redis unavailable (${down})`));
    return new Promise((resolve, reject) => {
      this.#pending.push({ fn, keys, args, resolve, reject });
      this.#schedule(opts.lazy === true);
    });
  }

  /**
   * Work that many callers add to between batches and that goes to Redis as one call: `send` runs as the next
   * batch leaves and makes that call (it rides in the batch), or returns nothing when there is nothing to send.
   * The returned `join` is what a caller calls once it has added its part: it makes sure a batch leaves (lazily),
   * and resolves when the call holding that part has landed, or rejects with its error. A settle per request
   * becomes a call per batch.
   */
  gather(send: () => Promise<unknown> | undefined): () => Promise<void> {
    let waiting: Deferred | null = null;
    this.#beforeFlush.push(() => {
      const joined = waiting;
      if (joined === null) return;
      waiting = null;
      let sent: Promise<unknown> | undefined;
      try {
        sent = send();
      } catch (err) {
        return joined.reject(err);
      }
      if (sent === undefined) joined.resolve();
      else sent.then(() => joined.resolve(), joined.reject);
    });
    return () => {
      if (waiting === null) {
        waiting = deferred();
        this.#schedule(true);
      }
      return waiting.promise;
    };
  }

  #schedule(lazy: boolean): void {
    if (this.#scheduled || this.#flushing) return;
    if (!lazy) {
      this.#scheduled = true;
      setImmediate(() => this.#flush());
    } else if (!this.#lazyTimer) {
      this.#lazyTimer = setTimeout(() => this.#flush(), LAZY_MS);
    }
  }

  #flush(): void {
    this.#scheduled = false;
    if (this.#lazyTimer) clearTimeout(this.#lazyTimer);
    this.#lazyTimer = null;
    this.#flushing = true;
    try {
      for (const fn of this.#beforeFlush) fn();
    } finally {
      this.#flushing = false;
    }
    const all = this.#pending;
    this.#pending = [];
    for (let i = 0; i < all.length; i += MAX_BATCH) void this.#send(all.slice(i, i + MAX_BATCH));
  }

  async #send(batch: Pending[]): Promise<void> {
    const refused = batch.find((p) => p.args.some((arg) => typeof arg === 'string' && arg.includes(SEP)));
    if (refused) {
      refused.reject(new Error('LuaBatch: an argument contains the field separator'));
      return this.#send(batch.filter((p) => p !== refused));
    }
    if (batch.length === 0) return;
    const keys: string[] = [];
    const keyIndex = new Map<string, number>();
    // Joined once at the end: appending piece by piece builds a deep rope that the socket write then flattens.
    const fields: Array<string | number> = [batch.length];
    for (const p of batch) {
      fields.push(p.fn, p.keys.length, p.args.length);
      for (const key of p.keys) {
        let i = keyIndex.get(key);
        if (i === undefined) {
          i = keys.push(key);
          keyIndex.set(key, i);
        }
        fields.push(i);
      }
      for (const arg of p.args) fields.push(arg);
    }
    fields.push('');
    let reply: unknown;
    try {
      reply = await this.#script.run(this.redis, keys, [fields.join(SEP)]);
    } catch (err) {
      this.circuit?.reportFailure(err);
      for (const p of batch) p.reject(err);
      return;
    }
    const replies = Array.isArray(reply) ? reply : [];
    batch.forEach((p, i) => {
      const r: unknown = replies[i];
      if (Array.isArray(r) && r[0] === 'ERR' && r.length === 2) p.reject(new Error(`redis script: ${String(r[1])}`));
      else p.resolve(r);
    });
  }
}
