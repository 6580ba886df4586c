/**
 * Per contender, the observed ratio of billed to estimated prompt tokens, so a reservation covers an upstream whose
 * tokenizer counts more than ours (CJK text on a non-OpenAI tokenizer bills 1.5–3× o200k_base). A small ring of the
 * latest ratios per contender, updated when a call settles and rebuilt from recent rows at start; the reservation
 * multiplies the prompt estimate by an upper quantile of the ring, never by less than 1. No store query per request:
 * the factor is recomputed only after the ring changed, and on a ring of 16 or more at most every 8th call.
 */

/** Ratios kept per contender. */
const RING = 64;
/** The quantile reserved with: past the ring's largest ratio only when the ring is full of near-equal ratios. */
const QUANTILE = 0.9;

interface Ring {
  ratios: number[];
  next: number;
  /** The factor, or null when the ring changed since it was computed. */
  factor: number | null;
  count: number;
}

export interface CalibrationView {
  contender: string;
  /** Calls the ring was built from (at most RING recent ones). */
  samples: number;
  /** Median of billed / estimated prompt tokens. */
  median: number;
  /** The factor reservations use: the upper quantile, at least 1. */
  reserved: number;
}

export class PromptCalibration {
  readonly #rings = new Map<string, Ring>();

  /** A settled call whose usage the upstream reported: `billed` prompt tokens against our `estimated`. */
  observe(contender: string, estimated: number, billed: number): void {
    if (!(estimated > 0) || !Number.isFinite(billed) || billed < 0) return;
    const ratio = billed / estimated;
    if (!Number.isFinite(ratio)) return;
    let r = this.#rings.get(contender);
    if (!r) {
      r = { ratios: [], next: 0, factor: null, count: 0 };
      this.#rings.set(contender, r);
    }
    if (r.ratios.length < RING) r.ratios.push(ratio);
    else r.ratios[r.next] = ratio;
    r.next = (r.next + 1) % RING;
    r.count++;
    // Re-sorted at most every 8th call once the ring has a few: the factor lags its ring by under 8 calls.
    if (r.ratios.length < 16 || r.count % 8 === 0) r.factor = null;
  }

  /** What to multiply a prompt estimate by for `contender`: 1 until its calls have said otherwise. */
  factor(contender: string): number {
    const r = this.#rings.get(contender);
    if (!r || r.ratios.length === 0) return 1;
    r.factor ??= Math.max(1, quantile(r.ratios, QUANTILE));
    return r.factor;
  }

  view(): CalibrationView[] {
    return [...this.#rings.entries()]
      .filter(([, r]) => r.ratios.length > 0)
      .map(([contender, r]) => ({ contender, samples: r.ratios.length, median: round(quantile(r.ratios, 0.5)), reserved: round(this.factor(contender)) }))
      .sort((a, b) => a.contender.localeCompare(b.contender));
  }
}

/** Nearest-rank quantile: with few samples the upper quantile is their largest. */
function quantile(xs: readonly number[], q: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
