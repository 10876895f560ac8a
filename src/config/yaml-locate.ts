/**
 * Find where a config path (as zod reports it) sits in the YAML source, so
 * every problem can name a line and column.
 */
import { isAlias, isMap, isPair, isScalar, isSeq } from 'yaml';
import type { Document, LineCounter, Node, Pair } from 'yaml';

export interface Position {
  line: number;
  column: number;
}

export type ConfigPath = readonly PropertyKey[];

/** Text of a map key as `toJS` would name it, so keys from zod paths compare equal. */
export function keyText(pair: Pair): string {
  const key = pair.key;
  return isScalar(key) ? String(key.value) : String(key);
}

/**
 * `rules[2].hosts[0]`, `dns.hosts["api.example.com"]`: what people type to
 * find a setting, and what the problem list prints.
 *
 * @example
 * dottedPath(['rules', 2, 'hosts', 0]); // 'rules[2].hosts[0]'
 */
export function dottedPath(path: ConfigPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (typeof seg === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out;
}

/** Resolves paths in one parsed document to 1-based positions. */
export class YamlLocator {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** 1-based line and column of a byte offset in the source. */
  at(offset: number): Position {
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  /**
   * The deepest node on `path` that exists: the value itself, or for a missing
   * key the map that should hold it. An empty value (`idle:`) points at its key.
   */
  locate(path: ConfigPath): Position | undefined {
    let node: unknown = this.doc.contents;
    let lastPair: Pair | undefined;
    for (const seg of path) {
      const step = this.child(node, seg);
      if (!step) break;
      node = step.node;
      lastPair = step.pair;
    }
    if (isScalar(node) && node.value == null && lastPair && isNode(lastPair.key)) return this.startOf(lastPair.key);
    return isNode(node) ? this.startOf(node) : undefined;
  }

  /** The key `key` of the map at `mapPath`, for unknown and duplicate keys. */
  locateKey(mapPath: ConfigPath, key: string): Position | undefined {
    const map = this.resolve(this.walk(mapPath));
    if (!isMap(map)) return this.locate(mapPath);
    const pair = map.items.find((p) => keyText(p) === key);
    return pair && isNode(pair.key) ? this.startOf(pair.key) : this.locate(mapPath);
  }

  private walk(path: ConfigPath): unknown {
    let node: unknown = this.doc.contents;
    for (const seg of path) {
      const step = this.child(node, seg);
      if (!step) return undefined;
      node = step.node;
    }
    return node;
  }

  private child(node: unknown, seg: PropertyKey): { node: unknown; pair?: Pair } | undefined {
    const target = this.resolve(node);
    if (isMap(target)) {
      // The last of duplicate keys: that is the value toJS keeps, so the one zod judged.
      const pair = target.items.findLast((p) => keyText(p) === String(seg));
      return pair ? { node: pair.value, pair } : undefined;
    }
    if (isSeq(target) && typeof seg === 'number') {
      const item = target.items[seg];
      return item === undefined ? undefined : { node: isPair(item) ? item.value : item };
    }
    return undefined;
  }

  // Anchors and aliases (`*defaults`): report against the anchored node.
  private resolve(node: unknown): unknown {
    return isAlias(node) ? node.resolve(this.doc) : node;
  }

  private startOf(node: Node): Position | undefined {
    return node.range ? this.at(node.range[0]) : undefined;
  }
}

function isNode(v: unknown): v is Node {
  return isScalar(v) || isMap(v) || isSeq(v) || isAlias(v);
}
