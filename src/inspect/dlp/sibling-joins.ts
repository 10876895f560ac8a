/**
 * A secret cut across neighbouring string values of JSON (`{"access_key": "AKIAIOSFODNN",
 * "key_suffix": "7EXAMPLE"}`, or items of an array): the groups of neighbours that
 * DlpScanner.scanNeighbours reads joined. Used for a tool call's arguments
 * (mcp/tool-inspect.ts) and for a JSON request body (proxy/inspect-request.ts).
 */
import type { Finding } from '../finding.js';
import type { DlpScanner } from './scanner.js';
import { walkJsonStrings, type WalkedString } from '../mcp/json-walk.js';

/**
 * Each object's or array's string children (two or more), in document order; none when
 * `body` is not JSON.
 *
 * @example
 * jsonGroups(Buffer.from('{"a":"x","b":"y"}')) // [[{ text: 'x', path }, { text: 'y', path }]]
 */
export function jsonGroups(body: Buffer): WalkedString[][] {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch {
    return [];
  }
  const groups: WalkedString[][] = [];
  walkJsonStrings(doc, { onString: () => undefined, onSiblings: (strings) => void (strings.length > 1 && groups.push([...strings])) });
  return groups;
}

/**
 * The findings of what only the joins of `groups` show, each at `prefix:` and the paths of
 * the values it spans (`body.json:access_key+key_suffix`).
 *
 * @example
 * neighbourFindings(dlp, jsonGroups(body), 'body.json')
 */
export function neighbourFindings(dlp: Pick<DlpScanner, 'scanNeighbours'>, groups: readonly WalkedString[][], prefix: string): Finding[] {
  if (groups.length === 0) return [];
  return dlp.scanNeighbours(groups.map((g) => g.map((s) => s.text))).map(({ finding, group, first, last }) => {
    const g = groups[group]!;
    const paths: string[] = [];
    for (let i = first; i <= last; i++) paths.push(g[i]!.path());
    return { ...finding, location: `${prefix}:${paths.join('+')}` };
  });
}
