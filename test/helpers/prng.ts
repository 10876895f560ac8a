/**
 * mulberry32: a small seeded PRNG for generated test inputs, so every run reads the same
 * inputs and a failure reproduces from its seed.
 *
 * @example
 * const rnd = prng(7);
 * rnd(); // a number in [0, 1), the same sequence for seed 7 every time
 */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
