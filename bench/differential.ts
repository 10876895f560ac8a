/**
 * What the DLP differential scripts share (dlp-differential-fuzz.ts,
 * dlp-seed-differential.ts): the other build's DLP module, and a seeded random source so
 * a seed names its texts.
 *
 * @example
 * const other = await otherDlp(dir);
 * const { rnd, pick } = seeded(7);
 */

/** The DLP module (src/inspect/dlp/index.js) of the build at `dir` (its dist folder). */
export async function otherDlp<T>(dir: string): Promise<T> {
  return (await import(`${dir.replace(/\/$/, '')}/src/inspect/dlp/index.js`)) as T;
}

/** A linear congruential source from `seed`: `rnd()` in [0, 1), `pick` one of `xs`. */
export function seeded(seed: number): { rnd: () => number; pick: <T>(xs: readonly T[]) => T } {
  let s = seed;
  const rnd = (): number => {
    s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  return { rnd, pick };
}
