/**
 * Small helpers the A2A scanners share: a finding list without duplicates, and
 * locations of the form `<prefix>:<path>` (`a2a.message:parts[1].data.key`).
 *
 * @example
 * const out = new FindingList();
 * out.add({ type: 'jwt', location: locate('a2a.message', [{ pos: 0, key: 'parts' }, 0, { pos: 1, key: 'text' }]), action: 'block' });
 * out.list // [{ type: 'jwt', location: 'a2a.message:parts[0].text', action: 'block' }]
 */
import type { Finding } from '../finding.js';
import { renderPath } from '../mcp/json-walk.js';
import type { PathSeg } from '../mcp/json-walk.js';

/** Findings in the order found, each (type, location, encoding) once. */
export class FindingList {
  readonly list: Finding[] = [];
  private readonly seen = new Set<string>();

  add(f: Finding): void {
    const k = `${f.type}|${f.location}|${f.encoding ?? ''}`;
    if (this.seen.has(k)) return;
    this.seen.add(k);
    this.list.push(f);
  }

  /** Add each finding at `location` (set on the finding itself, so an injection finding keeps its excerpt). */
  addAt(found: readonly Finding[], location: string, encoding?: string): void {
    for (const f of found) {
      f.location = location;
      if (encoding !== undefined) f.encoding = f.encoding === undefined ? encoding : `${encoding}+${f.encoding}`;
      this.add(f);
    }
  }
}

/**
 * `prefix:path`, or the prefix alone for the root. Keys `showKey` refuses appear by position.
 *
 * @example
 * locate('a2a.params', [{ pos: 0, key: 'metadata' }], () => true, '[#2]') // 'a2a.params:metadata[#2]'
 * locate('a2a.result', [])                                                // 'a2a.result'
 */
export function locate(prefix: string, segs: readonly PathSeg[], showKey: (key: string) => boolean = () => true, suffix = ''): string {
  const p = renderPath(segs, showKey) + suffix;
  return p === '' ? prefix : `${prefix}:${p}`;
}

/** Position of `key` among the object's keys, for a path segment. */
export function keySeg(obj: Record<string, unknown>, key: string): PathSeg {
  return { pos: Object.keys(obj).indexOf(key), key };
}

/** The blocking finding for a walk a bound stopped. */
export function notScanned(location: string, problem: string): Finding {
  return { type: 'a2a_not_scanned', location, action: 'block', detail: problem };
}
