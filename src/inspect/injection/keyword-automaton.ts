/**
 * Every occurrence of a set of keywords in one pass (Aho-Corasick), in time linear
 * in the text whatever the number of keywords. It replaces one regex alternation of
 * several hundred phrases, which V8 tries phrase by phrase at every position.
 *
 * The keywords are lower case, and none may contain another (compile.ts keeps only
 * the shortest: "ignor" answers for "ignore" and "ignoring"), so at most one keyword
 * starts at any position and occurrences come out in order of their start. ASCII
 * capitals read as their lower case and a line break reads as a space, so the
 * automaton runs on normalised text (scan-segments.ts) and on raw ASCII text alike
 * (quick-clear.ts). Transitions on ASCII are one table lookup; other characters
 * (keywords in other scripts) follow a map per state.
 *
 * @example
 * const a = new KeywordAutomaton(['ignor', 'system prompt']);
 * a.scan('Please IGNORE the system\nprompt', (start, k) => console.log(start, k)); // 7 0, then 18 1
 */
const ASCII = 128;

export class KeywordAutomaton {
  readonly keywords: readonly string[];
  /** Full DFA on ASCII: next state = table[state * 128 + code] (read directly by quick-clear.ts). */
  readonly table: Int32Array;
  /** Transitions on other characters, per state (trie edges only; misses follow `fail`). */
  private readonly wide: Array<Map<number, number> | undefined>;
  private readonly fail: Int32Array;
  /** The keyword that ends at a state, or -1. */
  readonly out: Int32Array;
  /** The length of each keyword, to turn an end into a start. */
  private readonly lengths: Int32Array;

  constructor(keywords: readonly string[]) {
    this.keywords = keywords;
    const trie: Array<Map<number, number>> = [new Map<number, number>()];
    const outs: number[] = [-1];
    keywords.forEach((kw, k) => {
      if (kw === '' || kw !== kw.toLowerCase()) throw new Error(`keyword automaton: '${kw}' must be non-empty lower case`);
      let s = 0;
      for (let i = 0; i < kw.length; i++) {
        const c = kw.charCodeAt(i);
        let next = trie[s]!.get(c);
        if (next === undefined) {
          next = trie.length;
          trie.push(new Map<number, number>());
          outs.push(-1);
          trie[s]!.set(c, next);
        }
        s = next;
      }
      outs[s] = k;
    });
    const n = trie.length;
    this.table = new Int32Array(n * ASCII);
    this.fail = new Int32Array(n);
    this.out = Int32Array.from(outs);
    this.lengths = Int32Array.from(keywords, (k) => k.length);
    this.wide = new Array<Map<number, number> | undefined>(n);
    // Breadth first: a state's fail target is shallower, so its row is complete when needed.
    const queue: number[] = [0];
    for (let head = 0; head < queue.length; head++) {
      const s = queue[head]!;
      const row = s * ASCII;
      const failRow = this.fail[s]! * ASCII;
      for (let c = 0; c < ASCII; c++) this.table[row + c] = s === 0 ? 0 : this.table[failRow + c]!;
      for (const [c, t] of trie[s]!) {
        this.fail[t] = s === 0 ? 0 : this.step(this.fail[s]!, c);
        if (this.out[t] === -1) this.out[t] = this.out[this.fail[t] ?? 0] ?? -1;
        if (c < ASCII) this.table[row + c] = t;
        else (this.wide[s] ??= new Map()).set(c, t);
        queue.push(t);
      }
      // Capitals read as lower case, a line break as a space.
      for (let c = 0x41; c <= 0x5a; c++) this.table[row + c] = this.table[row + c + 0x20]!;
      this.table[row + 0x0a] = this.table[row + 0x20]!;
    }
  }

  /** The state after reading `c` in state `s`. */
  step(s: number, c: number): number {
    if (c < ASCII) return this.table[s * ASCII + c]!;
    for (;;) {
      const t = this.wide[s]?.get(c);
      if (t !== undefined) return t;
      if (s === 0) return 0;
      s = this.fail[s]!;
    }
  }

  /** The keyword (index) that ends in state `s`, or -1. */
  output(s: number): number {
    return this.out[s]!;
  }

  /** The length of keyword `k`. */
  length(k: number): number {
    return this.lengths[k]!;
  }

  /** Calls `onMatch(start, keyword)` for every occurrence in `text`, in order. */
  scan(text: string, onMatch: (start: number, keyword: number) => void): void {
    const table = this.table;
    const out = this.out;
    let s = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      s = c < ASCII ? table[s * ASCII + c]! : this.step(s, c);
      const k = out[s]!;
      if (k !== -1) onMatch(i + 1 - this.lengths[k]!, k);
    }
  }
}
