/**
 * Values typed by a person, not drawn by a generator: a run of consecutive characters
 * (`123`, `xyz`, `abcdef`, `654321`), or a value made mostly of such runs
 * (`123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11`, the format example a bot API's docs
 * print). Key material is uniform over its alphabet: a random base62 character steps
 * from its neighbour about 6 times in 100, a hex one about 11 in 100, so half of 16
 * pairs or more stepping (about 1 in 10,000 for 17 random hex characters, 1 in a
 * million for base62, far less for longer values) is a sample written by hand.
 *
 * @example
 * isSequence('xyz') // true
 * sequentialShare('123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11') // 0.56
 */

/** 0 for a digit, 1 for a letter (either case), -1 for anything else. */
function kind(c: number): number {
  if (c >= 48 && c <= 57) return 0;
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) ? 1 : -1;
}

/** Letters compared case-blind: `gh` and `hI` both step by one. */
const fold = (c: number): number => (c >= 65 && c <= 90 ? c + 32 : c);

/** Neighbouring letters or digits that step by one, up or down, over all such pairs. */
function steps(v: string): { pairs: number; up: number; down: number } {
  let pairs = 0;
  let up = 0;
  let down = 0;
  for (let i = 1; i < v.length; i++) {
    const a = v.charCodeAt(i - 1);
    const b = v.charCodeAt(i);
    const k = kind(a);
    if (k < 0 || k !== kind(b)) {
      if (k >= 0 && kind(b) >= 0) pairs++; // a letter next to a digit: a pair that does not step
      continue;
    }
    pairs++;
    const d = fold(b) - fold(a);
    if (d === 1) up++;
    else if (d === -1) down++;
  }
  return { pairs, up, down };
}

/** The whole value (3 characters or more) is one run stepping by one in one direction. */
export function isSequence(v: string): boolean {
  if (v.length < 3) return false;
  const { pairs, up, down } = steps(v);
  return pairs === v.length - 1 && (up === pairs || down === pairs);
}

/** Share of neighbouring letter/digit pairs that step by one; 0 with fewer than 16 pairs. */
export function sequentialShare(v: string): number {
  const { pairs, up, down } = steps(v);
  return pairs < 16 ? 0 : (up + down) / pairs;
}

/** Typed by hand: half or more of the pairs step (see above). */
export function looksHandTyped(v: string): boolean {
  return sequentialShare(v) >= 0.5;
}
