/**
 * The gateway's side of budget claims (claimed-budget.ts) on one node: every `intervalMs` it reads the open claims
 * of other processes and decides each pending one against its live in-memory budgets, the same check-and-hold its
 * own requests pass, so gateway traffic and an eval run at once pass a budget by at most what settled costs exceed
 * their reservations. A granted claim is held until its maker settles it (or, if its maker died, until it expires,
 * when it is logged as `lost` at its reservation). The gateway beats in `gateway_heartbeats` while it arbitrates.
 *
 * Fencing: a claimant decides alone only after 3 s without a beat. The gateway admits from memory only for 2 s after
 * a beat whose following read of the claims it has applied (`current()`); past that (it was stopped, stalled in a
 * GC, its loop blocked) it beats and applies the claims before a budgeted call goes upstream (`revalidate()`), and
 * `epoch` tells a call admitted before a claim decided alone entered the ledger (Admission.confirm).
 */
import type { Config, Currency } from '../config/types.js';
import type { BudgetLedger, Reservation } from '../metering/budgets.js';
import type { Store } from '../store/index.js';
import { lostRow } from '../store/repos/admissions.js';
import type { Claim } from '../store/repos/budget-claims.js';
import { ARBITER_BEAT_MS, ARBITER_LEASE_MS } from './claimed-budget.js';

export interface BudgetArbiterOptions {
  /** This gateway's id in `gateway_heartbeats`. */
  id: string;
  now: () => number;
  /** How often claims are read. Default 50 ms. */
  intervalMs?: number;
  onError: (err: unknown) => void;
}

export class BudgetArbiter {
  /** Claims this gateway holds in its ledger. */
  readonly #held = new Map<string, { r: Reservation; claim: Claim }>();
  #timer: NodeJS.Timeout | null = null;
  #lastBeat = -Infinity;
  #running: Promise<void> = Promise.resolve();
  /**
   * When (performance.now()) the latest beat whose following read of the claims has been applied began: until
   * ARBITER_LEASE_MS after it, no claimant can have decided alone unseen (it must find no beat for
   * ARBITER_STALE_MS), so the ledger in memory may admit on its own.
   */
  #validFrom = -Infinity;
  #revalidating: Promise<void> | null = null;
  /** The last read of the claims was applied in full (a tick that failed part-way leaves this false: read again). */
  #applied = false;
  /**
   * Counts the claims decided while this gateway was not arbitrating (granted alone, or granted and settled alone)
   * that it has taken into its ledger since it started. A budgeted call admitted before such a claim arrived is
   * checked against the ledger again before it goes upstream (Admission.confirm).
   */
  epoch = 0;

  constructor(
    readonly store: Store,
    readonly config: Config,
    readonly ledger: BudgetLedger,
    readonly opts: BudgetArbiterOptions,
  ) {}

  /**
   * Takes the claims already granted as holds: called before budgets are seeded from the log, so a claim whose row
   * lands meanwhile is counted twice for a while (stricter), never missed.
   */
  async inventory(): Promise<void> {
    await this.tick(true);
  }

  /** Constant time: whether the ledger may admit from memory alone (a beat and its read of the claims are recent). */
  current(): boolean {
    return performance.now() - this.#validFrom < ARBITER_LEASE_MS;
  }

  /**
   * Beats and applies the claims before an admission goes upstream, after a pause (a stopped process, a long GC, a
   * blocked event loop) left the lease to lapse. Concurrent callers share one round.
   */
  revalidate(): Promise<void> {
    this.#revalidating ??= (this.#running = this.#running.catch(() => {}).then(() => this.tick(false, true))).finally(() => (this.#revalidating = null));
    return this.#revalidating;
  }

  start(): void {
    this.#timer = setInterval(() => {
      this.#running = this.#running.then(() => this.tick()).catch(this.opts.onError);
    }, this.opts.intervalMs ?? 50);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running;
    await this.store.claims.retire(this.opts.id).catch(this.opts.onError);
  }

  /**
   * `starting`: the first read, before budgets are seeded from the log; a claim settled by then has its row in the
   * log, so it is only removed. `beat`: beat now, whenever the last beat was.
   */
  async tick(starting = false, beat = false): Promise<void> {
    const now = this.opts.now();
    const t = performance.now();
    let beganAt: number | null = null;
    if (starting || beat || t - this.#lastBeat >= ARBITER_BEAT_MS) {
      // On the store's clock, as claimants read it (the repo reads it inside the beat's serialised write).
      await this.store.claims.beat(this.opts.id);
      this.#lastBeat = t;
      beganAt = t;
    }
    // The claims are as last applied (no other connection committed, none written here, no hold has expired): reading
    // them again would change nothing, so a beat's lease counts from here as well.
    if (!starting && this.#applied && this.store.claims.unchangedSinceRead() && !this.#heldExpired(now)) {
      if (beganAt !== null) this.#validFrom = beganAt;
      return;
    }
    this.#applied = false;
    const all = await this.store.claims.all();
    // Claims decided elsewhere (alone, while this gateway did not beat) enter the ledger before any pending claim
    // is decided against it.
    const claims = [...all.filter((c) => c.state !== 'pending'), ...all.filter((c) => c.state === 'pending')];
    const present = new Set<string>();
    const done: string[] = [];
    for (const c of claims) {
      present.add(c.id);
      const held = this.#held.get(c.id);
      if (c.state === 'pending') {
        const r = this.ledger.reserve(ctxOf(c), c.reservedNanos, currencyOf(c));
        if (!('holds' in r)) {
          await this.store.claims.decide(c.id, 'refused');
        } else if (await this.store.claims.decide(c.id, 'granted')) {
          this.#held.set(c.id, { r, claim: c });
        } else {
          this.ledger.settle(r, 0, currencyOf(c));
        }
      } else if (c.state === 'granted' && !held) {
        // Granted while no gateway arbitrated (its maker decided alone): held from now on, whatever the limit says.
        this.#held.set(c.id, { r: this.ledger.force(ctxOf(c), c.reservedNanos, currencyOf(c)), claim: c });
        if (!starting) this.epoch++;
      } else if (c.state === 'settled') {
        if (held) {
          this.ledger.settle(held.r, c.settledNanos ?? c.reservedNanos, currencyOf(c));
          this.#held.delete(c.id);
        } else if (!starting) {
          // Granted and settled alone while this gateway was paused: spend its ledger has not seen.
          this.ledger.charge(ctxOf(c), c.settledNanos ?? c.reservedNanos, currencyOf(c), c.ts);
          this.epoch++;
        }
        done.push(c.id);
      }
      if ((c.state === 'granted' || c.state === 'pending') && c.expiresAt < now) {
        // Its maker died with the call in flight: charged at its reservation, as a lost row the log keeps.
        const h = this.#held.get(c.id);
        if (h) this.ledger.settle(h.r, c.reservedNanos, currencyOf(c));
        this.#held.delete(c.id);
        await this.store.requestLog.append(lostRow({
          id: c.id, ts: c.ts, expires_at: c.expiresAt, team: c.team, key_id: c.keyId, race: c.race, contender: c.contender, upstream_model: null,
          reserved_nanos: c.reservedNanos, currency: c.currency, owner: c.owner, source: c.source,
        }));
        done.push(c.id);
      }
    }
    // A held claim removed by its maker (it settled while no gateway was seen): its cost is unknown here, so it
    // counts at what it reserved until the budgets next resume from the log.
    for (const [id, h] of this.#held) {
      if (present.has(id)) continue;
      this.ledger.settle(h.r, h.claim.reservedNanos, currencyOf(h.claim));
      this.#held.delete(id);
    }
    await this.store.claims.remove(done);
    this.#applied = true;
    if (beganAt !== null) this.#validFrom = beganAt;
  }

  #heldExpired(now: number): boolean {
    for (const h of this.#held.values()) if (h.claim.expiresAt < now) return true;
    return false;
  }
}

function ctxOf(c: Claim) {
  return { team: c.team, keyId: c.keyId, contender: c.contender, race: c.race };
}

function currencyOf(c: Claim): Currency {
  return c.currency === 'USD' ? 'USD' : 'CNY';
}
