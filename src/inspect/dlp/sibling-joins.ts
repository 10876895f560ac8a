/**
 * A secret cut across neighbouring string values of JSON (`{"access_key": "AKIAIOSFODNN",
 * "key_suffix": "7EXAMPLE"}`, or items of an array): the groups of neighbours that
 * DlpScanner.scanNeighbours reads joined. Used for a tool call's arguments
 * (mcp/tool-inspect.ts) and for a JSON request body (proxy/inspect-request.ts).
 */
import type { Finding } from '../finding.js';
import { renderPath, type PathSeg } from '../mcp/json-walk.js';
import type { DlpScanner } from './scanner.js';

/**
 * A string value, then after a comma a string value (an array's next item, or an
 * object's next member), where the first ends in or the second starts with a token with
 * a digit, capital, `_`, `-`, `+`, `/` or `=` (as scanNeighbours' mayJoin wants; escapes
 * read as one char): the raw text of a JSON document that may hold a secret cut across
 * neighbours.
 */
const SPLIT_CANDIDATE = new RegExp(
  [
    /[0-9A-Z_+/=-](?:[^"\\\s]|\\.)*"\s*,\s*(?:"(?:[^"\\]|\\.)*"\s*:\s*)?"/.source,
    /"\s*,\s*(?:"(?:[^"\\]|\\.)*"\s*:\s*)?"(?:[^"\\\s]|\\.)*?[0-9A-Z_+/=-]/.source,
  ].join('|'),
);

/** The string children of one object or array, in order, and the path of each (rendered only for a finding). */
export interface NeighbourGroup {
  texts: readonly string[];
  path: (i: number) => string;
}

/**
 * Each object's or array's string children (two or more), in document order; none when
 * `body` is not JSON. One pass over the parsed document, an explicit stack (no depth
 * limit to walk around), paths kept as segments until a finding needs one.
 *
 * @example
 * jsonGroups(Buffer.from('{"a":"x","b":"y"}'))[0].texts // ['x', 'y']
 */
export function jsonGroups(body: Buffer): NeighbourGroup[] {
  // Parsing costs more than scanning: only a document where two neighbouring string
  // values may hold a cut secret is parsed.
  if (!SPLIT_CANDIDATE.test(body.toString('latin1'))) return [];
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch {
    return [];
  }
  const out: NeighbourGroup[] = [];
  const stack: Array<{ v: unknown; at: PathSeg[] }> = [{ v: doc, at: [] }];
  while (stack.length > 0) {
    const { v, at } = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    const texts: string[] = [];
    const segs: PathSeg[] = [];
    const inner: Array<{ v: unknown; at: PathSeg[] }> = [];
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const c = v[i] as unknown;
        if (typeof c === 'string') {
          texts.push(c);
          segs.push(i);
        } else if (typeof c === 'object' && c !== null) inner.push({ v: c, at: [...at, i] });
      }
    } else {
      let pos = 0;
      for (const key in v) {
        const c = (v as Record<string, unknown>)[key];
        if (typeof c === 'string') {
          texts.push(c);
          segs.push({ pos, key });
        } else if (typeof c === 'object' && c !== null) inner.push({ v: c, at: [...at, { pos, key }] });
        pos++;
      }
    }
    if (texts.length > 1) out.push({ texts, path: (i) => renderPath([...at, segs[i]!]) });
    // in reverse, so the stack pops in document order
    for (let i = inner.length - 1; i >= 0; i--) stack.push(inner[i]!);
  }
  return out;
}

/**
 * The findings of what only the joins of `groups` show, each at `prefix:` and the paths of
 * the values it spans (`body.json:access_key+key_suffix`); `secretLike` as for
 * scanNeighbours (a request body's many values; a tool call's few are all joined).
 *
 * @example
 * neighbourFindings(dlp, jsonGroups(body), 'body.json')
 */
export function neighbourFindings(dlp: Pick<DlpScanner, 'scanNeighbours'>, groups: readonly NeighbourGroup[], prefix: string, secretLike = false): Finding[] {
  if (groups.length === 0) return [];
  return dlp
    .scanNeighbours(
      groups.map((g) => g.texts),
      secretLike,
    )
    .map(({ finding, group, first, last }) => {
      const g = groups[group]!;
      const paths: string[] = [];
      for (let i = first; i <= last; i++) paths.push(g.path(i));
      return { ...finding, location: `${prefix}:${paths.join('+')}` };
    });
}
