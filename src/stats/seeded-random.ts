/**
 * Source of uniform random numbers for the Monte Carlo parts of `stats` (Thompson sampling, simulations).
 * Injected rather than taken from `Math.random()` so that every result is reproducible from a seed.
 */
export interface RandomSource {
  /** A uniform draw in [0, 1). */
  next(): number;
}

const TWO_TO_MINUS_32 = 2 ** -32;

/**
 * xoshiro128** 1.0 (Blackman & Vigna, "Scrambled linear pseudorandom number generators", ACM TOMS 47(4), 2021):
 * 128 bits of state, period 2^128 − 1, passes BigCrush, a handful of 32-bit integer operations per draw.
 * The state is filled from the seed by the murmur3 `fmix32` finaliser applied to a Weyl sequence, so nearby seeds
 * give unrelated streams and the state can never be all zero.
 *
 * `next()` has 32-bit resolution (multiples of 2^-32): plenty for Monte Carlo shares and simulations, not for
 * sampling probabilities below ~1e-9.
 */
export class SeededRandom implements RandomSource {
  #s0: number;
  #s1: number;
  #s2: number;
  #s3: number;

  /** @param seed any number; only its low 32 bits are used. */
  constructor(seed: number) {
    let weyl = seed | 0;
    weyl = (weyl + 0x9e3779b9) | 0;
    this.#s0 = fmix32(weyl);
    weyl = (weyl + 0x9e3779b9) | 0;
    this.#s1 = fmix32(weyl);
    weyl = (weyl + 0x9e3779b9) | 0;
    this.#s2 = fmix32(weyl);
    weyl = (weyl + 0x9e3779b9) | 0;
    this.#s3 = fmix32(weyl);
  }

  /**
   * A generator starting from an explicit 128-bit state (four 32-bit words, not all zero), e.g. to replay the
   * reference implementation's test vectors or to resume a stream.
   */
  static fromState(state: readonly [number, number, number, number]): SeededRandom {
    if ((state[0] | state[1] | state[2] | state[3]) === 0) throw new RangeError('xoshiro128** state must not be 0');
    const rng = new SeededRandom(0);
    rng.#s0 = state[0] | 0;
    rng.#s1 = state[1] | 0;
    rng.#s2 = state[2] | 0;
    rng.#s3 = state[3] | 0;
    return rng;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const s1 = this.#s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
    const t = s1 << 9;
    this.#s2 ^= this.#s0;
    this.#s3 ^= s1;
    this.#s1 ^= this.#s2;
    this.#s0 ^= this.#s3;
    this.#s2 ^= t;
    this.#s3 = rotl(this.#s3, 11);
    return result >>> 0;
  }

  /** A uniform draw in [0, 1) with 32-bit resolution. */
  next(): number {
    return this.nextUint32() * TWO_TO_MINUS_32;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** murmur3's 32-bit finaliser: a bijection with full avalanche, used only for seeding. */
function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}
