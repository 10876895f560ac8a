/**
 * Rules indexed by host so a decision looks at the few rules that can match, not all
 * of them: exact names in a map, `*.suffix` wildcards in a map walked label by label,
 * and `*` (or no host at all) in an any-host list. Every list keeps insertion order,
 * and each entry carries its insertion sequence so lists merge without sorting.
 *
 * @example
 * const idx = new HostIndex<number>();
 * idx.add('*.python.org', 0); idx.add('api.github.com', 1);
 * idx.candidates('docs.python.org'); // [0]
 */
import { canonicalIpText } from '../net/ip.js';

export interface IndexEntry<T> {
  readonly seq: number;
  readonly item: T;
}

export class HostIndex<T> {
  private readonly exact = new Map<string, IndexEntry<T>[]>();
  private readonly wildcard = new Map<string, IndexEntry<T>[]>();
  private readonly any: IndexEntry<T>[] = [];
  /** Every dot-suffix of every wildcard suffix ('net', 'example.net', ...): the walk stops at the first miss. */
  private readonly wildNodes = new Set<string>();
  private readonly seqOf = new Map<T, number>();

  /** Index `item` under `pattern`: an exact host, `*.suffix`, an IP literal, or `*`. */
  add(pattern: string, item: T): void {
    let seq = this.seqOf.get(item);
    if (seq === undefined) this.seqOf.set(item, (seq = this.seqOf.size));
    const entry = { seq, item };
    const p = pattern.toLowerCase();
    if (p === '*') return void pushOnce(this.any, entry);
    if (p.startsWith('*.')) {
      const suffix = normaliseHost(p.slice(2));
      for (let rest = suffix, dot = 0; dot !== -1; dot = rest.indexOf('.'), rest = rest.slice(dot + 1)) this.wildNodes.add(rest);
      return void push(this.wildcard, suffix, entry);
    }
    push(this.exact, normaliseHost(p), entry);
  }

  /** Index `item` for every host. */
  addAny(item: T): void {
    this.add('*', item);
  }

  /** The lists that can hold matches for `host` (already normalised), each in insertion order. */
  lists(host: string): (readonly IndexEntry<T>[])[] {
    const out: (readonly IndexEntry<T>[])[] = [];
    const e = this.exact.get(host);
    if (e) out.push(e);
    // `*.example.com` matches `a.example.com` and `a.b.example.com`, not `example.com`.
    // IP literals never match a wildcard.
    // Walked from the right ('com', 'example.com', ...), stopping at the first suffix no wildcard ends with.
    if (this.wildcard.size > 0 && !isIpText(host)) {
      let dot = host.lastIndexOf('.');
      while (dot > 0) {
        const suffix = host.slice(dot + 1);
        if (!this.wildNodes.has(suffix)) break;
        const w = this.wildcard.get(suffix);
        if (w) out.push(w);
        dot = host.lastIndexOf('.', dot - 1);
      }
    }
    if (this.any.length > 0) out.push(this.any);
    return out;
  }

  /** Every item whose pattern matches `host`, in insertion order, without duplicates. */
  candidates(host: string): T[] {
    const lists = this.lists(normaliseHost(host.toLowerCase()));
    const out: T[] = [];
    forEachMerged(lists, (item) => void out.push(item));
    return out;
  }
}

/**
 * Visit the items of several insertion-ordered lists in insertion order, each
 * once, until `visit` returns true. Returns whether it did.
 *
 * @example
 * forEachMerged(lists, (rule) => rule.id === 'x');
 */
export function forEachMerged<T>(lists: readonly (readonly IndexEntry<T>[])[], visit: (item: T) => boolean | void): boolean {
  const only = lists.length === 1 ? lists[0] : undefined;
  if (only !== undefined) {
    for (const e of only) if (visit(e.item) === true) return true;
    return false;
  }
  const at = new Array<number>(lists.length).fill(0);
  let last = -1;
  for (;;) {
    const best = earliest(lists, at);
    if (best === -1) return false;
    const e = lists[best]![at[best]!]!;
    at[best]!++;
    // One rule can sit in several lists (two of its hosts match): visit it once.
    if (e.seq === last) continue;
    last = e.seq;
    if (visit(e.item) === true) return true;
  }
}

/**
 * Lower-case, no brackets, no trailing dot, and an IP literal in its one canonical
 * text (RFC 5952 for IPv6, IPv4 for mapped and compatible addresses): the form
 * hosts are indexed and matched in, for rule patterns and request hosts alike, so
 * `0:0:0:0:0:0:0:1` in a rule matches `[::1]` and `::ffff:127.0.0.2` matches `127.0.0.2`.
 *
 * @example
 * normaliseHost('[0:0:0:0:0:0:0:1]'); // '::1'
 * normaliseHost('api.example.com.');  // 'api.example.com'
 */
export function normaliseHost(host: string): string {
  let h = host;
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h.endsWith('.')) h = h.slice(0, -1);
  // Names (the common case) pay one scan; only IP-looking text is parsed.
  if (isIpText(h)) return canonicalIpText(h) ?? h;
  return h;
}

function isIpText(host: string): boolean {
  return host.includes(':') || /^[0-9.]+$/.test(host);
}

function push<T>(m: Map<string, IndexEntry<T>[]>, k: string, v: IndexEntry<T>): void {
  const l = m.get(k);
  if (l) pushOnce(l, v);
  else m.set(k, [v]);
}

function pushOnce<T>(l: IndexEntry<T>[], v: IndexEntry<T>): void {
  if (l[l.length - 1]?.seq !== v.seq) l.push(v);
}

/**
 * Which of several insertion-ordered lists holds the next item in insertion order: the
 * one whose entry at its cursor (`at`) has the lowest `seq`; -1 once all are done.
 *
 * @example
 * earliest([[{ seq: 2, item: 'b' }], [{ seq: 1, item: 'a' }]], [0, 0]); // 1
 */
export function earliest<T>(lists: readonly (readonly IndexEntry<T>[])[], at: readonly number[]): number {
  let best = -1;
  let bestSeq = Infinity;
  for (let l = 0; l < lists.length; l++) {
    const e = lists[l]![at[l]!];
    if (e !== undefined && e.seq < bestSeq) {
      best = l;
      bestSeq = e.seq;
    }
  }
  return best;
}
