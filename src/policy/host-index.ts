/**
 * Rules indexed by host so a decision looks at the few rules that can match, not all
 * of them: exact names in a map, `*.suffix` wildcards in a map walked label by label.
 * Candidate lists keep rule order (first match wins).
 *
 * @example
 * const idx = new HostIndex<number>();
 * idx.add('*.python.org', 0); idx.add('api.github.com', 1);
 * idx.candidates('docs.python.org'); // [0]
 */
export class HostIndex<T> {
  private readonly exact = new Map<string, T[]>();
  private readonly wildcard = new Map<string, T[]>();
  private readonly any: T[] = [];
  private readonly order = new Map<T, number>();
  private seq = 0;

  add(pattern: string, item: T): void {
    if (!this.order.has(item)) this.order.set(item, this.seq++);
    const p = pattern.toLowerCase();
    if (p === '*') return void this.any.push(item);
    if (p.startsWith('*.')) return void push(this.wildcard, p.slice(2), item);
    push(this.exact, p.endsWith('.') ? p.slice(0, -1) : p, item);
  }

  /** Every item whose pattern matches `host`, in insertion order, without duplicates. */
  candidates(host: string): T[] {
    const lists: T[][] = [];
    const e = this.exact.get(host);
    if (e) lists.push(e);
    // `*.example.com` matches `a.example.com` and `a.b.example.com`, not `example.com`.
    let dot = host.indexOf('.');
    while (dot !== -1) {
      const w = this.wildcard.get(host.slice(dot + 1));
      if (w) lists.push(w);
      dot = host.indexOf('.', dot + 1);
    }
    if (this.any.length) lists.push(this.any);
    if (lists.length === 1) return lists[0]!;
    const merged = new Set<T>();
    for (const l of lists) for (const x of l) merged.add(x);
    return [...merged].sort((a, b) => this.order.get(a)! - this.order.get(b)!);
  }
}

function push<T>(m: Map<string, T[]>, k: string, v: T): void {
  const l = m.get(k);
  if (l) {
    if (l[l.length - 1] !== v) l.push(v);
  } else m.set(k, [v]);
}
