/**
 * Race-state changes announced on Redis pub/sub. The store stays the truth; a message only tells the other
 * replicas to re-read it now instead of at their next poll, so a lost message (a reconnect) costs at most one poll
 * interval and a duplicate costs one query.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';

const MessageSchema = z.object({ race: z.string(), version: z.number(), origin: z.string() });
export type RaceEvent = z.infer<typeof MessageSchema>;

export class RaceEvents {
  /** Tells this replica's own messages apart from the others'. */
  readonly origin = `replica_${randomUUID()}`;
  readonly #channel: string;
  #subscribed = false;

  /** `subscriber` is a connection of its own: in subscriber mode Redis accepts no other commands on it. */
  constructor(
    readonly publisher: Redis,
    readonly subscriber: Redis,
    prefix: string,
  ) {
    this.#channel = `${prefix}race-state`;
  }

  async publish(race: string, version: number): Promise<void> {
    await this.publisher.publish(this.#channel, JSON.stringify({ race, version, origin: this.origin } satisfies RaceEvent));
  }

  /** Calls `listener` for every change another replica announces. */
  async subscribe(listener: (e: RaceEvent) => void): Promise<void> {
    if (this.#subscribed) throw new Error('RaceEvents: already subscribed');
    this.#subscribed = true;
    this.subscriber.on('message', (channel: string, text: string) => {
      if (channel !== this.#channel) return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return;
      }
      const e = MessageSchema.safeParse(parsed);
      if (e.success && e.data.origin !== this.origin) listener(e.data);
    });
    await this.subscriber.subscribe(this.#channel);
  }
}
