/**
 * mulberry32 (Tommy Ettinger, public domain): a 32-bit-state generator, period 2³², a few integer operations per
 * draw. The one small seeded stream Saima uses where `SeededRandom` (xoshiro128**) is more than needed: bootstrap
 * rounds, the mock provider's scripted randomness, generated eval twins. Stored results depend on its exact
 * output (twins are regenerated from their seed), so the algorithm must never change.
 */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
