/**
 * The random source of generated twins. Each twin draws from its own stream, seeded by a hash of (suite seed,
 * item id, kind, index), so a twin does not change when items are added, removed or reordered, and the same seed
 * always gives the same twins. The stream is the shared mulberry32, whose output must never change for that reason.
 */
import { mulberry32 } from '../../stats/mulberry32.js';

/** FNV-1a, 32-bit (Fowler–Noll–Vo): a stable, well-mixed hash of the seed string. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export interface TwinRandom {
  next(): number;
  int(n: number): number;
  pick<T>(list: readonly T[]): T;
  shuffle<T>(list: readonly T[]): T[];
}

export function twinRandom(seed: number, itemId: string, kind: string, index: number): TwinRandom {
  const next = mulberry32(fnv1a(`${seed}|${itemId}|${kind}|${index}`));
  const int = (n: number) => Math.floor(next() * n);
  return {
    next,
    int,
    pick: <T>(list: readonly T[]) => list[int(list.length)]!,
    shuffle: <T>(list: readonly T[]) => {
      const out = [...list];
      for (let i = out.length - 1; i > 0; i--) {
        const j = int(i + 1);
        [out[i], out[j]] = [out[j]!, out[i]!];
      }
      return out;
    },
  };
}
