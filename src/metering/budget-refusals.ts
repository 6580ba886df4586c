/**
 * When each budget last refused a call on this gateway, for the budget status API: a budget can refuse well before
 * 100 % (what remains is less than a request's reservation), so "spent / limit" alone does not say whether calls
 * are being turned away. One map entry per budget, updated in place: O(1) per refusal, nothing written to a store.
 */
export interface RefusalMark {
  /** Epoch ms of the latest refusal. */
  at: number;
  /** Refusals since this process started. */
  count: number;
}

/** A budget counts as refusing while its latest refusal is at most this old. */
export const REFUSING_WINDOW_MS = 60_000;

export class BudgetRefusals {
  readonly #marks = new Map<string, RefusalMark>();

  constructor(private readonly now: () => number = Date.now) {}

  note(budget: string): void {
    const m = this.#marks.get(budget);
    if (m) {
      m.at = this.now();
      m.count++;
    } else this.#marks.set(budget, { at: this.now(), count: 1 });
  }

  get(budget: string): RefusalMark | undefined {
    return this.#marks.get(budget);
  }

  /** Whether `budget` refused a call within the last `REFUSING_WINDOW_MS`. */
  refusing(budget: string): boolean {
    const m = this.#marks.get(budget);
    return m !== undefined && this.now() - m.at <= REFUSING_WINDOW_MS;
  }
}
