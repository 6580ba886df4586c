/**
 * A fault-injecting TCP proxy on 127.0.0.1 for putting a real network fault between two real parts (the gateway and
 * PostgreSQL, the gateway and Redis). Each accepted connection opens its own connection to the target and pipes
 * bytes both ways; the fault in force decides what happens to them:
 *
 * - `pass`: bytes flow (after `delayMs`, if set).
 * - `blackhole`: packets are dropped. New connections are accepted but never reach the target; bytes on existing
 *   connections are held back in both directions and never delivered (the peers see silence, not a close).
 * - `refuse`: new connections are closed at once (a server that is down); existing ones keep flowing.
 * - `reset()`: every open connection is reset (RST) on both sides — queries in flight see an abrupt close.
 * - `halfOpen()`: the target side of every open connection is closed, but the client side is kept open and what the
 *   client sends is swallowed: the client's connection looks alive and never answers (a peer that vanished).
 */
import net from 'node:net';
import type { TestContext } from 'node:test';

export type ProxyFault = 'pass' | 'blackhole' | 'refuse';

interface Pair {
  client: net.Socket;
  target: net.Socket;
  /** Set by halfOpen(): the client side is kept open but talks to no one. */
  orphaned: boolean;
}

export class FaultProxy {
  readonly #server: net.Server;
  readonly #targetHost: string;
  readonly #targetPort: number;
  readonly #pairs = new Set<Pair>();
  #fault: ProxyFault = 'pass';
  #delayMs = 0;
  #accepted = 0;

  private constructor(targetHost: string, targetPort: number) {
    this.#targetHost = targetHost;
    this.#targetPort = targetPort;
    this.#server = net.createServer((client) => this.#accept(client));
  }

  /** Starts a proxy to `target` (host:port) and closes it after the test. */
  static async start(t: TestContext | null, targetHost: string, targetPort: number): Promise<FaultProxy> {
    const proxy = new FaultProxy(targetHost, targetPort);
    await new Promise<void>((resolve) => proxy.#server.listen(0, '127.0.0.1', resolve));
    t?.after(() => proxy.close());
    return proxy;
  }

  get port(): number {
    return (this.#server.address() as net.AddressInfo).port;
  }

  /** Connections accepted so far. */
  get accepted(): number {
    return this.#accepted;
  }

  /** Connections open right now. */
  get open(): number {
    return this.#pairs.size;
  }

  /** Rewrites `url`'s host and port to point at this proxy. */
  urlFor(url: string): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  set(fault: ProxyFault): void {
    this.#fault = fault;
  }

  /** Every chunk is forwarded this many ms late (in order). */
  delay(ms: number): void {
    this.#delayMs = Math.max(0, ms);
  }

  /** Resets every open connection on both sides (RST), as a crashed middlebox or a killed backend would. */
  reset(): number {
    const n = this.#pairs.size;
    for (const p of [...this.#pairs]) this.#drop(p, true);
    return n;
  }

  /** Closes the target side of every open connection and leaves the client side open, silently. */
  halfOpen(): void {
    for (const p of this.#pairs) {
      p.orphaned = true;
      p.target.destroy();
    }
  }

  async close(): Promise<void> {
    for (const p of [...this.#pairs]) this.#drop(p, true);
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: net.Socket): void {
    this.#accepted++;
    client.on('error', () => {});
    if (this.#fault === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    const target = net.connect(this.#targetPort, this.#targetHost);
    target.on('error', () => {});
    const pair: Pair = { client, target, orphaned: false };
    this.#pairs.add(pair);
    const forward = (to: net.Socket, chunk: Buffer) => {
      if (this.#fault === 'blackhole' || pair.orphaned) return; // dropped on the floor
      if (this.#delayMs > 0) setTimeout(() => !to.destroyed && to.write(chunk), this.#delayMs);
      else if (!to.destroyed) to.write(chunk);
    };
    client.on('data', (c: Buffer) => forward(target, c));
    target.on('data', (c: Buffer) => forward(client, c));
    client.on('close', () => this.#drop(pair, false));
    target.on('close', () => {
      if (!pair.orphaned && this.#fault !== 'blackhole') this.#drop(pair, false);
    });
  }

  #drop(pair: Pair, reset: boolean): void {
    this.#pairs.delete(pair);
    if (reset) {
      if (!pair.client.destroyed) pair.client.resetAndDestroy();
      if (!pair.target.destroyed) pair.target.resetAndDestroy();
    } else {
      pair.client.destroy();
      pair.target.destroy();
    }
  }
}
