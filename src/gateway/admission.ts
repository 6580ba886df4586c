/**
 * Admission control between routing and the upstream call: rate limits (key and team) and budget reservations.
 * Costs nothing when no limit or budget applies; otherwise it estimates every billable field of the prompt once,
 * reserves prompt + output cap at the most expensive contender of the plan, and settles to the real usage
 * afterwards. An admitted request is then sent with exactly the output cap it was reserved at (output-cap.ts).
 */
import type { Config, Contender } from '../config/types.js';
import { BudgetLedger, convertNanos, type BudgetBackend, type BudgetDef, type FxTable, type Reservation, type SpendContext } from '../metering/budgets.js';
import { maxCostNanos } from '../metering/pricing.js';
import { estimatePrompt, promptTokensFor, type PromptEstimate } from '../metering/prompt-estimate.js';
import type { LimitState, LimitSubject, RateLimitBackend, Ticket } from '../metering/rate-limiter.js';
import { loadEncoding } from '../providers/chat-tokens.js';
import type { Usage } from '../providers/spec.js';
import { SaimaError } from '../errors.js';
import { reservedOutputTokens, type RequestedCap } from '../metering/output-cap.js';
import { PromptCalibration } from '../metering/prompt-calibration.js';
import { BudgetRefusals } from '../metering/budget-refusals.js';
import type { Principal } from './principal.js';

export interface AdmissionResult {
  ticket: Ticket | null;
  reservation: Reservation | null;
  /** Contender names to try, possibly replaced by a budget's downgrade target. */
  names: string[];
  downgradedBy: string | null;
  limitState: LimitState | null;
  /** Something was reserved (a budget or a limit applies): the call must be sent with the reserved output cap. */
  capped: boolean;
  /** With a budget reservation: what it holds, in `currency` (the journal charges a lost call this much). */
  reservedNanos?: number;
  currency?: Contender['price']['currency'];
  /** The prompt estimate the reservation was made from: the settle compares it with the billed prompt tokens. */
  estimate?: PromptEstimate;
  /** The fence's epoch when the reservation was made (one node, with claims of other processes): see `confirm`. */
  fenceEpoch?: number;
}

/**
 * On one node, the claims other processes make on this gateway's budgets (budget-arbiter.ts): whether the ledger in
 * memory is current, and how to make it so.
 */
export interface BudgetFence {
  /** Bumped whenever a claim decided without this gateway enters its ledger. */
  readonly epoch: number;
  /** Constant time: a beat and its read of the claims are recent enough to admit from memory. */
  current(): boolean;
  /** Beats and applies the claims now. */
  revalidate(): Promise<void>;
}

export class Admission {
  /** Settles still on their way to a shared (Redis) backend. */
  readonly #pending = new Set<Promise<void>>();
  /** Billed over estimated prompt tokens per contender: reservations scale the estimate by its upper quantile. */
  readonly calibration = new PromptCalibration();
  /** Set on one node when other processes claim from these budgets: `confirm` checks it. */
  fence: BudgetFence | null = null;

  constructor(
    readonly config: Config,
    readonly limiter: RateLimitBackend,
    readonly ledger: BudgetBackend,
    /** Where a failed background settle is reported (the request has been answered by then). */
    readonly onError: (err: unknown) => void = () => {},
    /** When each budget last refused a call here (GET /admin/budgets reports it). */
    readonly refusals: BudgetRefusals = new BudgetRefusals(),
  ) {
    // Loading the tokenizer's tables blocks for a few hundred ms and holds ~25 MB for good: at start when the
    // config says requests will need an estimate (a budget, team limits, limits every key inherits); stored keys
    // with limits of their own load them at start too (app.ts), so a gateway that never limits never pays.
    const hasLimits = (l: { rpm: number | null; tpm: number | null }) => l.rpm !== null || l.tpm !== null;
    const limited = hasLimits(config.keyDefaults.limits) || [...config.teams.values()].some((t) => hasLimits(t.limits));
    if (ledger.budgets.length > 0 || limited) void loadEncoding().catch(() => {});
  }

  /** Subjects per principal: a key's principal object lives for its cache second, so most requests reuse them. */
  readonly #subjectsOf = new WeakMap<Principal, readonly LimitSubject[]>();

  #subjects(p: Principal): readonly LimitSubject[] {
    let out = this.#subjectsOf.get(p);
    if (!out) {
      out = this.#subjectsFor(p);
      this.#subjectsOf.set(p, out);
    }
    return out;
  }

  #subjectsFor(p: Principal): LimitSubject[] {
    const out: LimitSubject[] = [];
    if (p.keyId !== null && (p.limits.rpm !== null || p.limits.tpm !== null)) out.push({ id: `key:${p.keyId}`, limits: p.limits });
    const team = p.team !== null ? this.config.teams.get(p.team) : undefined;
    if (team && (team.limits.rpm !== null || team.limits.tpm !== null)) out.push({ id: `team:${p.team}`, limits: team.limits });
    return out;
  }

  /**
   * A free call that still reaches an upstream (a token count): it takes one request from the key's and the team's
   * request rate, in buckets of its own (`…:count`), so a flood of counts cannot spend the organisation's upstream
   * rate limits, nor the key's rate for paid calls. Nothing is reserved or charged. Null when no limit applies.
   */
  async admitFreeCall(p: Principal): Promise<LimitState | null> {
    const subjects = this.#subjects(p).flatMap((s) => (s.limits.rpm === null ? [] : [{ id: `${s.id}:count`, limits: { rpm: s.limits.rpm, tpm: null } }]));
    if (subjects.length === 0) return null;
    const a = await this.limiter.admit(subjects, 0);
    if (!a.ok) throw new RateLimitError('Rate limit reached for requests per minute.', a.retryAfterMs, a.state);
    return a.state;
  }

  /**
   * `budgetsOnly`: the gateway's own calls on a client's behalf (shadows) pay from the budgets that cover them but
   * take nothing from the client's rate limits.
   * `downgradeOnlyTo`: when given, a budget's downgrade target serves the call only if it is one of these (the race's
   * own contenders). Embeddings pass it: a downgrade target is a chat model unless the race names it, and a chat
   * model answers an embeddings call with an error the client could not have caused; such a call is refused instead.
   */
  async admit(p: Principal, body: Record<string, unknown>, race: string | null, names: string[], cap: RequestedCap, budgetsOnly = false, downgradeOnlyTo: ReadonlySet<string> | null = null): Promise<AdmissionResult> {
    const subjects = budgetsOnly ? [] : this.#subjects(p);
    const primary = names[0]!;
    const ctx: SpendContext = { team: p.team, keyId: p.keyId, contender: primary, race };
    const budgeted = this.ledger.budgets.length > 0 && this.ledger.budgets.some((b) => coversAny(b, ctx));
    if (subjects.length === 0 && !budgeted) return { ticket: null, reservation: null, names, downgradedBy: null, limitState: null, capped: false };

    const estimate = await estimatePrompt(body);
    const contenders = names.map((n) => this.config.contenders.get(n)!).filter(Boolean);
    const maxOut = reservedOutputTokens(cap, contenders) + estimate.predicted * cap.choices;
    const priciest = costliest(contenders, estimate, maxOut, this.calibration, this.config.fx);
    const promptTokens = maxPromptTokens(contenders, estimate);
    // A shared ledger (Redis) is asked in the same turn as the limiter, so both go in one round trip; a hold taken
    // for a request the limiter then refuses is given back at once.
    const early = budgeted && subjects.length > 0 && this.ledger.shared ? Promise.resolve(this.ledger.reserve(ctx, priciest.nanos, priciest.currency)) : null;
    early?.catch(() => {});
    const release = () => early && this.#track(early.then((h) => ('holds' in h ? this.ledger.settle(h, 0, priciest.currency) : undefined)));
    let ticket: Ticket | null = null;
    let limitState: LimitState | null = null;
    if (subjects.length > 0) {
      const admitted = this.limiter.admit(subjects, promptTokens + maxOut);
      // The in-process limiter and ledger answer synchronously: no promise hop for them on the hot path.
      const a = !(admitted instanceof Promise)
        ? admitted
        : early
          ? await admitted.catch((err: unknown) => {
              release();
              throw err;
            })
          : await admitted;
      limitState = a.state;
      if (!a.ok) {
        release();
        throw new RateLimitError(
          a.which === 'requests' ? 'Rate limit reached for requests per minute.' : 'Rate limit reached for tokens per minute.',
          a.retryAfterMs,
          a.state,
        );
      }
      ticket = a.ticket;
    }
    if (!budgeted) return { ticket, reservation: null, names, downgradedBy: null, limitState, capped: true };
    const fenceEpoch = this.fence?.epoch;
    const reserving = early ?? this.ledger.reserve(ctx, priciest.nanos, priciest.currency);
    let r = reserving instanceof Promise ? await reserving : reserving;
    if ('holds' in r) return { ticket, reservation: r, names, downgradedBy: null, limitState, capped: true, reservedNanos: priciest.nanos, currency: priciest.currency, estimate, fenceEpoch };
    const spent = r.exceeded;
    if (spent.downgradeTo && (downgradeOnlyTo === null || downgradeOnlyTo.has(spent.downgradeTo))) {
      const down = this.config.contenders.get(spent.downgradeTo)!;
      const downOut = reservedOutputTokens(cap, [down]) + estimate.predicted * cap.choices;
      const cost = maxCostNanos(calibratedPrompt(estimate, down, this.calibration), downOut, down.price);
      r = await this.ledger.reserve({ ...ctx, contender: down.name }, cost, down.price.currency, new Set([spent.name]));
      if ('holds' in r) return { ticket, reservation: r, names: [down.name], downgradedBy: spent.name, limitState, capped: true, reservedNanos: cost, currency: down.price.currency, estimate, fenceEpoch };
    }
    if (ticket) await this.limiter.settle(ticket, 0);
    const refusedBy = ('exceeded' in r ? r.exceeded : spent).name;
    this.refusals.note(refusedBy);
    throw new SaimaError('budget_exceeded', `Budget '${refusedBy}' is spent for this period.`);
  }

  /**
   * Called once a budgeted call is journaled, before it goes upstream. Constant time while the fence is current and
   * no claim decided without this gateway has entered the ledger since the call was admitted. Otherwise (this
   * process was paused: SIGSTOP, a long GC, a blocked loop) it first beats and applies the claims, and when one
   * arrived since, the call must still fit its budgets with it, or it is refused (`budget_exceeded`, its reservation
   * released at once); the caller then settles the rest (a rate-limit ticket) at nothing. A claimant deciding alone sees every journaled call this lets go (claimed-budget.ts).
   */
  confirm(result: AdmissionResult): void | Promise<void> {
    const fence = this.fence;
    if (!fence || !result.reservation || result.fenceEpoch === undefined) return;
    if (fence.epoch === result.fenceEpoch && fence.current()) return;
    return this.#reconfirm(fence, result);
  }

  async #reconfirm(fence: BudgetFence, result: AdmissionResult): Promise<void> {
    if (!fence.current()) {
      try {
        await fence.revalidate();
      } catch (err) {
        throw new SaimaError('service_unavailable', 'The budget ledger cannot be checked right now; try again.', null, { cause: err });
      }
    }
    if (fence.epoch === result.fenceEpoch) return;
    const over = this.ledger instanceof BudgetLedger ? this.ledger.overLimit(result.reservation!) : null;
    if (!over) return;
    // Released here, in the same turn as the check: the calls re-checked after one pause see each refusal's room.
    this.ledger.settle(result.reservation!, 0, result.currency ?? over.currency);
    result.reservation = null;
    throw new SaimaError('budget_exceeded', `Budget '${over.name}' is spent for this period.`);
  }

  /**
   * Returns at once. A reservation stays held until its settle lands, so a settle finishing in the background can
   * only make the budget stricter meanwhile, never looser; `drain` waits for the stragglers at shutdown.
   */
  settle(result: AdmissionResult, usage: Usage, costNanos: number, contender: Contender): void {
    if (result.estimate && !usage.estimated && usage.promptTokens > 0) this.calibration.observe(contender.name, promptTokensFor(result.estimate, contender.imageTokens), usage.promptTokens);
    if (result.ticket) this.#track(this.limiter.settle(result.ticket, usage.promptTokens + usage.completionTokens));
    if (result.reservation) this.#track(this.ledger.settle(result.reservation, costNanos, contender.price.currency));
  }

  /**
   * Feedback and arena votes: at most `key_defaults.evidence_rpm` a minute per key, on the same (possibly shared)
   * limiter as chat, so a key cannot flood the evidence a race decides on. Keyless callers (auth: none) pass.
   */
  async admitEvidence(p: Principal): Promise<void> {
    if (p.keyId === null) return;
    const a = await this.limiter.admit([{ id: `evidence:${p.keyId}`, limits: { rpm: this.config.keyDefaults.evidenceRpm, tpm: null } }], 0);
    if (!a.ok) throw new RateLimitError('Rate limit reached for feedback and votes per minute.', a.retryAfterMs, a.state);
  }

  async drain(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
  }

  #track(settled: void | Promise<void>): void {
    if (!settled) return;
    const task: Promise<void> = settled.catch((err: unknown) => this.onError(err)).finally(() => this.#pending.delete(task));
    this.#pending.add(task);
  }
}

export class RateLimitError extends SaimaError {
  constructor(
    message: string,
    readonly retryAfterMs: number,
    readonly state: LimitState,
  ) {
    super('rate_limit_exceeded', message);
  }
}

function coversAny(b: BudgetDef, ctx: SpendContext): boolean {
  const s = b.scope;
  // A contender-scoped budget may apply to a fallback too, so only the other dimensions filter here.
  return (s.team === undefined || s.team === ctx.team) && (s.key === undefined || s.key === ctx.keyId) && (s.race === undefined || s.race === ctx.race);
}

/** Prompt tokens counted against rate limits: the plan's largest, as its contenders bound images differently. */
function maxPromptTokens(contenders: Contender[], e: PromptEstimate): number {
  let most = promptTokensFor(e, null);
  for (const c of contenders) most = Math.max(most, promptTokensFor(e, c.imageTokens));
  return most;
}

/** The prompt tokens reserved for `c`: our estimate, scaled by what its upstream has billed against it lately. */
function calibratedPrompt(e: PromptEstimate, c: Contender, calibration: PromptCalibration): number {
  const tokens = promptTokensFor(e, c.imageTokens);
  const f = calibration.factor(c.name);
  return f === 1 ? tokens : Math.ceil(tokens * f);
}

/** The prompt estimate a row records for `contender` (before calibration), or null when none was made. */
export function promptEstimateOf(result: AdmissionResult, contender: Contender): number | null {
  return result.estimate ? promptTokensFor(result.estimate, contender.imageTokens) : null;
}

/**
 * The plan member whose call can cost the most, compared at the configured exchange rates (the ones budgets convert
 * with): a fallback priced in another currency that costs more is the one reserved for.
 */
function costliest(contenders: Contender[], e: PromptEstimate, maxOut: number, calibration: PromptCalibration, fx: FxTable): { nanos: number; currency: Contender['price']['currency'] } {
  let best = { nanos: 0, currency: 'CNY' as Contender['price']['currency'], cny: -1 };
  for (const c of contenders) {
    const nanos = maxCostNanos(calibratedPrompt(e, c, calibration), maxOut, c.price);
    const cny = convertNanos(nanos, c.price.currency, 'CNY', fx);
    if (cny > best.cny) best = { nanos, currency: c.price.currency, cny };
  }
  return best;
}

/** Where the headers go: a Fastify reply. */
interface HeaderSink {
  header(name: string, value: string): unknown;
}

/** OpenAI-style x-ratelimit-* headers, set one by one (an object of them would be built and walked on every call). */
export function setRateLimitHeaders(reply: HeaderSink, s: LimitState): void {
  if (s.limitRequests !== null) {
    reply.header('x-ratelimit-limit-requests', String(s.limitRequests));
    reply.header('x-ratelimit-remaining-requests', String(s.remainingRequests));
    reply.header('x-ratelimit-reset-requests', duration(s.resetRequestsMs!));
  }
  if (s.limitTokens !== null) {
    reply.header('x-ratelimit-limit-tokens', String(s.limitTokens));
    reply.header('x-ratelimit-remaining-tokens', String(s.remainingTokens));
    reply.header('x-ratelimit-reset-tokens', duration(s.resetTokensMs!));
  }
}

/** OpenAI writes resets as `1s`, `6m0s`, `120ms`. */
function duration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const s = Math.ceil(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${s % 60}s`;
}
