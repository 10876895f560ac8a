/**
 * The needles of the reflection scrubber as one Aho-Corasick automaton, compiled to a
 * full transition table over byte classes: one table read per byte whatever the number
 * of needles, and no look-back, so it streams (a match's end is seen when its last byte
 * is). Bytes that occur in no needle share class 0, so the table stays
 * (states x distinct needle bytes), not (states x 256).
 *
 * @example
 * const a = compileAutomaton([Buffer.from('secret')]);
 * let s = 0;
 * for (const b of Buffer.from('my secret')) s = a.delta[s * a.classes + a.classOf[b]!]!;
 * a.out[s]; // 6: a needle of 6 bytes ends here
 */
export interface Automaton {
  /** Byte -> class (0: in no needle). */
  readonly classOf: Uint16Array;
  readonly classes: number;
  /** delta[state * classes + class] -> next state; state 0 is the root. */
  readonly delta: Uint32Array;
  /** The longest needle ending in each state (0: none): the widest match to redact there. */
  readonly out: Uint32Array;
  /** How many bytes each state has read of a needle: where the earliest possible match starts. */
  readonly depth: Uint32Array;
  /** Bytes that leave the root: any other byte read at the root leaves it at the root. */
  readonly starts: Uint8Array;
  readonly longest: number;
  /** The shortest needle: a text of fewer source bytes holds no match (no spelling is shorter than what it reads as). */
  readonly shortest: number;
  /**
   * Wu-Manber shifts over a window of `window` bytes (the shortest needle, at most 255):
   * by the byte pair that ends the window, how far no needle can start. Null when a
   * needle is too short for jumps to pay.
   */
  readonly jump: Uint8Array | null;
  readonly window: number;
}

export function compileAutomaton(needles: readonly Uint8Array[]): Automaton {
  const classOf = new Uint16Array(256);
  let classes = 1;
  for (const n of needles) for (const b of n) if (classOf[b] === 0) classOf[b] = classes++;

  // The trie, as flat arrays: goto edges per state in a Map (built once, then discarded).
  const edges: Map<number, number>[] = [new Map<number, number>()];
  const end: number[] = [0];
  const depth: number[] = [0];
  let longest = 0;
  for (const n of needles) {
    if (n.length === 0) continue;
    longest = Math.max(longest, n.length);
    let s = 0;
    for (const b of n) {
      const c = classOf[b]!;
      let t = edges[s]!.get(c);
      if (t === undefined) {
        t = edges.length;
        edges.push(new Map<number, number>());
        end.push(0);
        depth.push(depth[s]! + 1);
        edges[s]!.set(c, t);
      }
      s = t;
    }
    end[s] = Math.max(end[s]!, n.length);
  }

  const states = edges.length;
  const delta = new Uint32Array(states * classes);
  const out = new Uint32Array(states);
  const fail = new Uint32Array(states);
  // Breadth first, so a state's failure target is complete before the state is.
  const queue: number[] = [];
  for (const [c, t] of edges[0]!) {
    delta[c] = t;
    queue.push(t);
  }
  for (let q = 0; q < queue.length; q++) {
    const s = queue[q]!;
    out[s] = Math.max(end[s]!, out[fail[s]!]!);
    const row = s * classes;
    const frow = fail[s]! * classes;
    for (let c = 0; c < classes; c++) {
      const t = edges[s]!.get(c);
      if (t === undefined) {
        delta[row + c] = delta[frow + c]!;
      } else {
        delta[row + c] = t;
        fail[t] = delta[frow + c]!;
        queue.push(t);
      }
    }
  }
  const shortest = Math.min(...needles.filter((n) => n.length > 0).map((n) => n.length));
  const window = Math.min(255, shortest);
  let jump: Uint8Array | null = null;
  if (window >= 4) {
    jump = new Uint8Array(65536).fill(window - 1);
    for (const n of needles) {
      for (let j = 0; j + 1 < window; j++) {
        const pair = n[j]! | (n[j + 1]! << 8);
        jump[pair] = Math.min(jump[pair]!, window - 2 - j);
      }
    }
  }
  const starts = new Uint8Array(256);
  for (let b = 0; b < 256; b++) starts[b] = delta[classOf[b]!]! !== 0 ? 1 : 0;
  return { classOf, classes, delta, out, depth: Uint32Array.from(depth), starts, longest, shortest, jump, window };
}
