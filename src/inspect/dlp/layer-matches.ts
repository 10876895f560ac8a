/**
 * What matches in one layer, from what its index found: each selected regex runs only
 * sticky at its keyword hits or on bounded windows around triggers (alnum pieces, hex
 * pieces, digit groups; keyword-less patterns in fixed windows), known-secret needles,
 * BIP-39 seed phrases, and random key material inside decoded data. A specific finding
 * on the same span wins over a generic one, unless it is weaker.
 *
 * The per-pattern window and hit lists are kept between layers (cleared, not
 * reallocated): a scan reads many small layers, and each would otherwise pay for maps
 * and closures of its own.
 *
 * @example
 * const m = new LayerMatcher(compiled, kwTargets, keywordIndex, actions);
 * m.match(text, indexText(keywordIndex, text, m.minPiece), undefined, 0, (s, e) => [s, e], ctx, false);
 */
import type { Finding, FindingAction } from '../finding.js';
import type { Compiled } from './compiled-pattern.js';
import type { KeywordIndex } from './keyword-index.js';
import type { Needle } from './known-secrets.js';
import type { TextIndex } from './text-index.js';
import type { ToRaw } from './children.js';
import type { WordRun } from './word-runs.js';
import { encodedKeyMaterial } from './encoded-key-material.js';
import { findMnemonics } from './mnemonic.js';

/** Where a layer's findings go (the engine's scan context). */
export interface MatchContext {
  location: string;
  /** Matches whose raw end is past this index are left for the next window (streaming). */
  limit: number;
  emit(f: Finding, rawStart: number, rawEnd: number): void;
}

interface Candidate {
  finding: Finding;
  generic: boolean;
  s: number;
  e: number;
}

const OPERATOR_WINDOW = 4096;
const RANK: Record<FindingAction, number> = { warn: 0, redact: 1, block: 2 };

/** Run triggers of one kind as flat arrays (select's inner loop reads no spec objects). */
interface TriggerRange {
  ids: Int32Array;
  min: Float64Array;
  max: Float64Array;
  before: Float64Array;
  lo: number;
  hi: number;
  /**
   * Per piece length lo..hi (when that span is finite and at most BY_LEN wide): the
   * triggers (their places in `ids`, in order) whose [min, max] admit it; a piece then
   * costs a lookup instead of a test per trigger.
   */
  byLen: Int32Array[] | undefined;
}

const BY_LEN = 512;

function triggerRange(compiled: readonly Compiled[], ids: readonly number[]): TriggerRange {
  // Float64Array: a trigger's max may be Infinity
  const min = Float64Array.from(ids, (t) => compiled[t]?.spec.trigger?.min ?? 0);
  const max = Float64Array.from(ids, (t) => compiled[t]?.spec.trigger?.max ?? -1);
  const lo = Math.min(Infinity, ...min);
  const hi = Math.max(-Infinity, ...max);
  const byLen =
    ids.length > 0 && Number.isInteger(lo) && Number.isInteger(hi) && hi - lo <= BY_LEN
      ? Array.from({ length: hi - lo + 1 }, (_, k) => Int32Array.from(ids.keys()).filter((i) => lo + k >= (min[i] as number) && lo + k <= (max[i] as number)))
      : undefined;
  return { ids: Int32Array.from(ids), min, max, before: Float64Array.from(ids, (t) => compiled[t]?.before ?? 0), lo, hi, byLen };
}

export class LayerMatcher {
  private readonly alnumTriggers: number[] = [];
  private readonly hexTriggers: number[] = [];
  private readonly digitTriggers: number[] = [];
  private readonly unanchored: number[] = [];
  /** Per alnum / hex trigger (in the order above): its piece lengths [min, max] and its `before`; and the span of all mins and maxes. */
  private readonly alnumRange: TriggerRange;
  private readonly hexRange: TriggerRange;
  /** Shortest alnum piece any trigger wants. */
  readonly minPiece: number;
  /**
   * Per pattern: flat [start, end, ...] windows (merged), and sticky hit positions, each
   * the first `windowCount[p]` / `hitCount[p]` entries of its list (cleared by count: a
   * list cut to length 0 lets its store go, and the next layer grew it again); `order`:
   * patterns in first-use order.
   */
  private readonly windows: number[][];
  private readonly windowCount: Int32Array;
  private readonly hitCount: Int32Array;
  private readonly hits: number[][];
  private readonly windowOrder: number[] = [];
  private readonly hitOrder: number[] = [];

  constructor(
    private readonly compiled: readonly Compiled[],
    private readonly kwTargets: readonly number[][],
    private readonly index: KeywordIndex,
    private readonly actions: Readonly<Record<string, FindingAction>>,
  ) {
    compiled.forEach((c, i) => {
      const t = c.spec.trigger;
      if (t?.run === 'alnum') this.alnumTriggers.push(i);
      else if (t?.run === 'hex') this.hexTriggers.push(i);
      else if (t?.run === 'digits') this.digitTriggers.push(i);
      else if (c.spec.keywords.length === 0) this.unanchored.push(i);
    });
    this.alnumRange = triggerRange(compiled, this.alnumTriggers);
    this.hexRange = triggerRange(compiled, this.hexTriggers);
    const mins = [...this.alnumTriggers, ...this.hexTriggers].map((t) => compiled[t]?.spec.trigger?.min ?? 15);
    this.minPiece = Math.min(15, ...mins);
    this.windows = compiled.map(() => []);
    this.hits = compiled.map(() => []);
    this.windowCount = new Int32Array(compiled.length);
    this.hitCount = new Int32Array(compiled.length);
  }

  /**
   * Emit what matches in `text` (its index `idx`). `joined`: a regrouped join, where
   * only exact known secrets are matched (pieces joined are not text anyone wrote:
   * source-map segments joined make token-shaped strings; patterns match in what the
   * join decodes to).
   */
  match(text: string, idx: TextIndex, chain: string | undefined, depth: number, toRaw: ToRaw, ctx: MatchContext, joined: boolean): void {
    const cands: Candidate[] = [];
    if (!joined) {
      this.select(text.length, idx);
      for (const p of this.windowOrder)
        this.runPattern(this.compiled[p] as Compiled, text, this.windows[p] as number[], this.windowCount[p] as number, chain, toRaw, ctx, cands);
      for (const p of this.hitOrder)
        this.runSticky(this.compiled[p] as Compiled, text, this.hits[p] as number[], this.hitCount[p] as number, chain, toRaw, ctx, cands);
      this.clear();
    }
    this.matchKnown(idx.needles, chain, toRaw, ctx, cands);
    if (!joined && idx.wordRuns.length > 0) this.matchMnemonics(idx.wordRuns, chain, toRaw, ctx, cands);
    if (depth > 0 && !joined) {
      const kind = (chain ?? '').slice((chain ?? '').lastIndexOf('+') + 1);
      for (const [s, e] of encodedKeyMaterial(text, idx.runs, kind)) {
        const type = 'encoded_high_entropy';
        const finding: Finding = {
          type,
          location: ctx.location,
          action: this.actions[type] ?? (kind === 'hex' ? 'block' : 'warn'),
          detail: 'random-looking key material inside encoded data',
        };
        if (chain !== undefined) finding.encoding = chain;
        cands.push({ finding, generic: true, s, e });
      }
    }
    for (const c of cands) {
      // a specific finding on the same span wins over a generic one, unless it is weaker
      if (c.generic && cands.some((o) => !o.generic && o.s < c.e && c.s < o.e && RANK[o.finding.action] >= RANK[c.finding.action])) continue;
      const [rs, re] = toRaw(c.s, c.e);
      ctx.emit(c.finding, rs, re);
    }
  }

  /** Windows and sticky hits of the patterns the index selects. */
  private select(n: number, idx: TextIndex): void {
    const { compiled, kwTargets } = this;
    const kh = idx.hits;
    for (let h = 0; h < kh.length; h += 2) {
      const hitStart = kh[h + 1] as number;
      for (const t of kwTargets[kh[h] as number] as number[]) {
        const c = compiled[t] as Compiled;
        if (c.sticky) this.addHit(t, hitStart);
        else this.addWindow(n, t, hitStart - c.before, hitStart + c.maxLength + 1);
      }
    }
    const pieces = idx.pieces;
    for (let r = 0; r < pieces.length; r += 3) {
      const ps = pieces[r] as number;
      const pe = pieces[r + 1] as number;
      this.triggers(n, this.alnumRange, ps, pe);
      if (pieces[r + 2] === 1) this.triggers(n, this.hexRange, ps, pe);
    }
    const groups = idx.digits;
    for (let g = 0; g < groups.length; g += 2) {
      for (const t of this.digitTriggers) this.addWindow(n, t, (groups[g] as number) - (compiled[t] as Compiled).before, (groups[g + 1] as number) + 2);
    }
    for (const t of this.unanchored) {
      const c = compiled[t] as Compiled;
      for (let s = 0; s < n; s += OPERATOR_WINDOW) this.addWindow(n, t, s, s + OPERATOR_WINDOW + c.maxLength);
    }
  }

  private clear(): void {
    for (const p of this.windowOrder) this.windowCount[p] = 0;
    for (const p of this.hitOrder) this.hitCount[p] = 0;
    this.windowOrder.length = 0;
    this.hitOrder.length = 0;
  }

  /** The windows of the triggers in `r` whose piece lengths admit the piece [s, e). */
  private triggers(n: number, r: TriggerRange, s: number, e: number): void {
    const len = e - s;
    if (len < r.lo || len > r.hi) return;
    if (r.byLen !== undefined) {
      const at = r.byLen[len - r.lo] as Int32Array;
      for (let k = 0; k < at.length; k++) {
        const i = at[k] as number;
        this.addWindow(n, r.ids[i] as number, s - (r.before[i] as number), e + 2);
      }
      return;
    }
    for (let i = 0; i < r.ids.length; i++)
      if (len >= (r.min[i] as number) && len <= (r.max[i] as number)) this.addWindow(n, r.ids[i] as number, s - (r.before[i] as number), e + 2);
  }

  private addWindow(n: number, p: number, s: number, e: number): void {
    const start = s < 0 ? 0 : s;
    const end = e > n ? n : e;
    const list = this.windows[p] as number[];
    const count = this.windowCount[p] as number;
    if (count === 0) this.windowOrder.push(p);
    else {
      const last = count - 1;
      if (start <= (list[last] as number)) {
        if (end > (list[last] as number)) list[last] = end;
        if (start < (list[last - 1] as number)) list[last - 1] = start;
        return;
      }
    }
    list[count] = start;
    list[count + 1] = end;
    this.windowCount[p] = count + 2;
  }

  private addHit(p: number, at: number): void {
    const list = this.hits[p] as number[];
    const count = this.hitCount[p] as number;
    if (count === 0) this.hitOrder.push(p);
    else if (list[count - 1] === at) return;
    list[count] = at;
    this.hitCount[p] = count + 1;
  }

  /** Window patterns: the regex scans each bounded window (a slice, so it cannot run past it). */
  private runPattern(
    c: Compiled,
    text: string,
    list: number[],
    count: number,
    chain: string | undefined,
    toRaw: ToRaw,
    ctx: MatchContext,
    out: Candidate[],
  ): void {
    const { re } = c;
    for (let w = 0; w < count; w += 2) {
      const ws = list[w] as number;
      const slice = text.slice(ws, list[w + 1]);
      re.lastIndex = 0;
      for (let m = re.exec(slice); m !== null; m = re.exec(slice)) {
        if (m[0].length === 0) {
          re.lastIndex++;
          continue;
        }
        this.accept(c, m, ws, chain, toRaw, ctx, out);
      }
    }
  }

  /** Anchored patterns: one sticky attempt at each keyword hit. */
  private runSticky(
    c: Compiled,
    text: string,
    list: number[],
    count: number,
    chain: string | undefined,
    toRaw: ToRaw,
    ctx: MatchContext,
    out: Candidate[],
  ): void {
    const { re } = c;
    let coveredTo = -1;
    for (let i = 0; i < count; i++) {
      const at = list[i] as number;
      if (at < coveredTo) continue; // inside the previous match
      re.lastIndex = at;
      const m = re.exec(text);
      if (m === null || m[0].length === 0) continue;
      coveredTo = at + m[0].length;
      this.accept(c, m, 0, chain, toRaw, ctx, out);
    }
  }

  private accept(c: Compiled, m: RegExpExecArray, base: number, chain: string | undefined, toRaw: ToRaw, ctx: MatchContext, out: Candidate[]): void {
    const { spec } = c;
    const value = m[c.group] ?? m[0];
    const vs = base + m.index + Math.max(0, m[0].lastIndexOf(value));
    const ve = vs + value.length;
    if (toRaw(vs, ve)[1] > ctx.limit) return;
    let type = spec.id;
    let action = this.actions[type] ?? spec.action;
    let detail: string | undefined;
    if (spec.validate !== undefined && !spec.validate(m)) {
      if (spec.invalidAction === undefined) return;
      type = `${spec.id}_unverified`;
      action = this.actions[type] ?? spec.invalidAction;
      detail = spec.invalidDetail ?? 'format matches but the checksum does not';
    }
    const finding: Finding = { type, location: ctx.location, action };
    if (chain !== undefined) finding.encoding = chain;
    if (detail !== undefined) finding.detail = detail;
    out.push({ finding, generic: spec.generic === true, s: vs, e: ve });
  }

  /** Known-secret needles found by the index (flat [needle, start, ...]). */
  private matchKnown(hits: number[], chain: string | undefined, toRaw: ToRaw, ctx: MatchContext, out: Candidate[]): void {
    for (let h = 0; h < hits.length; h += 2) {
      const s = hits[h + 1] as number;
      const nd = this.index.needles[hits[h] as number] as Needle;
      const e = s + nd.text.length;
      if (toRaw(s, e)[1] > ctx.limit) continue;
      const finding: Finding = { type: 'known_secret', location: ctx.location, action: this.actions['known_secret'] ?? 'block' };
      const encoding = nd.encoding === undefined ? chain : chain === undefined ? nd.encoding : `${chain}+${nd.encoding}`;
      if (encoding !== undefined) finding.encoding = encoding;
      if (nd.name !== undefined) finding.detail = nd.name;
      out.push({ finding, generic: false, s, e });
    }
  }

  /** BIP-39 seed phrases in the runs of wordlist words the index found. */
  private matchMnemonics(runs: WordRun[], chain: string | undefined, toRaw: ToRaw, ctx: MatchContext, out: Candidate[]): void {
    const spans = findMnemonics(runs);
    for (let i = 0; i < spans.length; i += 2) {
      const s = spans[i] as number;
      const e = spans[i + 1] as number;
      if (toRaw(s, e)[1] > ctx.limit) continue;
      const finding: Finding = {
        type: 'bip39_mnemonic',
        location: ctx.location,
        action: this.actions['bip39_mnemonic'] ?? 'block',
        detail: 'BIP-39 seed phrase (wordlist words, checksum valid)',
      };
      if (chain !== undefined) finding.encoding = chain;
      out.push({ finding, generic: false, s, e });
    }
  }
}
