/**
 * A small seeded pseudo-random generator for reproducible random sweeps: the seed text is
 * hashed into 128 bits (cyrb128) that start an sfc32 generator (Chris Doty-Humphrey's Small
 * Fast Counter, 32-bit). The same seed gives the same sequence on every platform and Node
 * version; the numbers are not for cryptography.
 */

/** 128 bits of hash of a string (cyrb128), as four 32-bit words. */
function cyrb128(text: string): [number, number, number, number] {
  let h1 = 1779033703
  let h2 = 3144134277
  let h3 = 1013904242
  let h4 = 2773480762
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i)
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067)
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233)
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213)
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179)
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067)
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233)
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213)
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179)
  h1 ^= h2 ^ h3 ^ h4
  h2 ^= h1
  h3 ^= h1
  h4 ^= h1
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0]
}

export interface SeededRandom {
  /** A float in [0, 1) with 32 bits of randomness. */
  next(): number
  /** An integer in [0, n). */
  below(n: number): number
}

/** A generator started from `seed` (any text; numbers are used as their decimal text). */
export function seededRandom(seed: string | number): SeededRandom {
  let [a, b, c, d] = cyrb128(String(seed))
  const next = (): number => {
    a >>>= 0
    b >>>= 0
    c >>>= 0
    d >>>= 0
    let t = (a + b) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    d = (d + 1) | 0
    t = (t + d) | 0
    c = (c + t) | 0
    return (t >>> 0) / 4294967296
  }
  // warm up: the first outputs of sfc32 correlate with the seed words
  for (let i = 0; i < 15; i++) next()
  return {
    next,
    below(n: number): number {
      return Math.min(n - 1, Math.floor(next() * n))
    },
  }
}
