/**
 * The bounded walk the A2A scanners share. Like `walkJsonStrings` (MCP), it is
 * iterative and visits every string and object key in document order, but it
 * also hands each string value its property name (DLP needs `api_key: <value>`
 * to recognise a key-value secret), shows every object to a hook (inline file
 * bytes are decoded there), and counts nodes against a budget shared by several
 * walks over one message, so splitting a payload across fields buys no extra
 * work.
 *
 * @example
 * const budget = walkBudget({});
 * walkA2a({ config: { api_key: 'x' } }, [], { onString: (text, segs, key) => console.log(renderPath(segs), key, text) }, budget);
 * // config.api_key api_key x
 */
import type { PathSeg } from '../mcp/json-walk.js';

export interface A2aScanLimits {
  /** Containers nested at most; default 32. */
  maxDepth?: number;
  /** Values visited at most, over all the walks of one scan; default 10000. */
  maxNodes?: number;
}

export interface WalkBudget {
  nodes: number;
  readonly maxNodes: number;
  readonly maxDepth: number;
}

/** A string child of a container, for joining neighbours. */
export interface SiblingString {
  text: string;
  segs: readonly PathSeg[];
}

export interface A2aVisitor {
  /**
   * A string value; `key` is its property name when its parent is an object,
   * `claimed` whether `onObject` took it over (inline file bytes it decoded).
   */
  onString(text: string, segs: readonly PathSeg[], key: string | undefined, claimed: boolean): void;
  /** An object key; `at` is the object's path and `pos` the key's position in it. */
  onKey?(key: string, at: readonly PathSeg[], pos: number): void;
  /** The direct string children of one object or array, in order, when there are two or more. */
  onSiblings?(strings: readonly SiblingString[]): void;
  /** Every object, before its children; may return the key of a string child it takes over. */
  onObject?(obj: Record<string, unknown>, segs: readonly PathSeg[]): string | undefined;
}

interface Node {
  v: unknown;
  segs: readonly PathSeg[];
  key: string | undefined;
  claimed: boolean;
}

/**
 * A fresh budget for one scan.
 *
 * @example
 * walkBudget({ maxNodes: 500 }) // { nodes: 0, maxNodes: 500, maxDepth: 32 }
 */
export function walkBudget(limits: A2aScanLimits): WalkBudget {
  return { nodes: 0, maxNodes: limits.maxNodes ?? 10_000, maxDepth: limits.maxDepth ?? 32 };
}

/**
 * Walk `value`, whose own path is `base`. Returns undefined when everything was
 * visited, or why the walk stopped (the caller fails closed).
 *
 * @example
 * walkA2a([['a']], [], { onString: () => {} }, walkBudget({ maxDepth: 1 })) // 'nested deeper than 1'
 */
export function walkA2a(value: unknown, base: readonly PathSeg[], visitor: A2aVisitor, budget: WalkBudget): string | undefined {
  const stack: Node[] = [{ v: value, segs: base, key: undefined, claimed: false }];
  while (stack.length > 0) {
    const { v, segs, key, claimed } = stack.pop()!;
    if (++budget.nodes > budget.maxNodes) return `more than ${budget.maxNodes} values`;
    if (typeof v === 'string') {
      visitor.onString(v, segs, key, claimed);
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (segs.length >= budget.maxDepth) return `nested deeper than ${budget.maxDepth}`;
    const children: Node[] = [];
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) children.push({ v: v[i] as unknown, segs: [...segs, i], key: undefined, claimed: false });
    } else {
      const obj = v as Record<string, unknown>;
      const taken = visitor.onObject?.(obj, segs);
      for (const [pos, [k, child]] of Object.entries(obj).entries()) {
        visitor.onKey?.(k, segs, pos);
        children.push({ v: child, segs: [...segs, { pos, key: k }], key: k, claimed: k === taken });
      }
    }
    if (visitor.onSiblings !== undefined) {
      const strings = children.filter((c) => typeof c.v === 'string').map((c) => ({ text: c.v as string, segs: c.segs }));
      if (strings.length > 1) visitor.onSiblings(strings);
    }
    // Pushed in reverse so the stack pops in document order.
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  return undefined;
}
