/**
 * A bounded walk over parsed JSON, visiting every string (object keys included)
 * with its path. Iterative, so a deep value cannot overflow the stack; past the
 * depth or node bound the walk stops and says so, and the caller fails closed.
 *
 * Paths render as `files[1].content`. A key shows by name only when it looks
 * like a name (`[A-Za-z_$][A-Za-z0-9_$-]*`, at most 64 characters) and the
 * caller's `showKey` agrees; otherwise by position, `[#3]`, so a location never
 * carries data that was put in a key.
 *
 * @example
 * walkJsonStrings({ files: [{ content: 'a' }] }, { onString: (s, path) => console.log(path(), s) })
 * // files[0].content a
 */

export type PathSeg = number | { pos: number; key: string };

/** A string met on the walk; `path()` renders lazily, so paths cost nothing unless used. */
export interface WalkedString {
  text: string;
  path: () => string;
}

export interface WalkOptions {
  /** Every string value, and every object key (`isKey`, path ending in its position). */
  onString: (text: string, path: () => string, isKey: boolean) => void;
  /** Per object or array: its direct string children, in order. */
  onSiblings?: (strings: readonly WalkedString[]) => void;
  /** Whether a name-shaped key may be shown by name; default yes. */
  showKey?: (key: string) => boolean;
  /** Containers nested at most; default 32. */
  maxDepth?: number;
  /** Values visited at most; default 10000. */
  maxNodes?: number;
}

export interface WalkResult {
  /** False when a bound stopped the walk: not everything was visited. */
  complete: boolean;
  problem?: string;
}

const NAME = /^[A-Za-z_$][A-Za-z0-9_$-]{0,63}$/;

/** Visit every string in `value`, keys before their values, in document order. */
export function walkJsonStrings(value: unknown, opts: WalkOptions): WalkResult {
  const maxDepth = opts.maxDepth ?? 32;
  const maxNodes = opts.maxNodes ?? 10_000;
  const showKey = opts.showKey ?? ((): boolean => true);
  const render = (segs: readonly PathSeg[]): string => renderPath(segs, showKey);
  const stack: Array<{ v: unknown; segs: PathSeg[] }> = [{ v: value, segs: [] }];
  let nodes = 0;
  while (stack.length > 0) {
    const { v, segs } = stack.pop()!;
    if (++nodes > maxNodes) return { complete: false, problem: `more than ${maxNodes} values` };
    if (typeof v === 'string') {
      opts.onString(v, () => render(segs), false);
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (segs.length >= maxDepth) return { complete: false, problem: `nested deeper than ${maxDepth}` };
    const children: Array<{ v: unknown; segs: PathSeg[] }> = [];
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) children.push({ v: v[i] as unknown, segs: [...segs, i] });
    } else {
      for (const [pos, [key, child]] of Object.entries(v as Record<string, unknown>).entries()) {
        opts.onString(key, () => `${render(segs)}[#${pos}]`, true);
        children.push({ v: child, segs: [...segs, { pos, key }] });
      }
    }
    if (opts.onSiblings !== undefined) {
      const strings = children.filter((c) => typeof c.v === 'string').map((c) => ({ text: c.v as string, path: () => render(c.segs) }));
      if (strings.length > 1) opts.onSiblings(strings);
    }
    // Pushed in reverse so the stack pops in document order.
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  return { complete: true };
}

/**
 * Path text: names joined by '.', indexes and hidden keys in brackets.
 *
 * @example
 * renderPath([{ pos: 0, key: 'files' }, 1, { pos: 2, key: 'content' }]) // 'files[1].content'
 */
export function renderPath(segs: readonly PathSeg[], showKey: (key: string) => boolean = () => true): string {
  let out = '';
  for (const s of segs) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (NAME.test(s.key) && showKey(s.key)) out += out === '' ? s.key : `.${s.key}`;
    else out += `[#${s.pos}]`;
  }
  return out;
}
