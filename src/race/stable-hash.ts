/**
 * cyrb53: a fast, well-mixed 53-bit string hash (public domain, bryc). Not cryptographic: it spreads users over
 * contenders; it never protects a secret.
 */
export function cyrb53(text: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

const TWO_53 = 9007199254740992;

/** Uniform in the open interval (0, 1). */
export function hashUnit(text: string, seed = 0): number {
  return (cyrb53(text, seed) + 0.5) / TWO_53;
}
