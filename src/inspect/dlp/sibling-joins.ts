/**
 * A secret cut across neighbouring string values of one JSON object or array
 * (`{"access_key": "AKIAIOSFODNN", "key_suffix": "7EXAMPLE"}`, or three array items):
 * what their join shows that no shorter run of them shows. Used for a tool call's
 * arguments (mcp/tool-inspect.ts) and for a JSON request body (proxy/inspect-request.ts).
 */
import type { Finding } from '../finding.js';
import { walkJsonStrings, type WalkedString } from '../mcp/json-walk.js';
import type { DlpScanner } from './scanner.js';

/** Values longer than this are not joined: a secret's pieces are short, and a long text has its own scan. */
export const JOIN_MAX = 256;

/**
 * The findings of the join of `parts` (two or three neighbours) whose type neither a
 * part alone nor the join of all but the first or all but the last has; their location
 * is the caller's to set.
 *
 * @example
 * siblingJoin(dlp, ['AKIAIOSFODNN', '7EXAMPLE']) // [{ type: 'aws_access_key_id', ... }]
 */
export function siblingJoin(dlp: Pick<DlpScanner, 'scanText'>, parts: readonly string[]): Finding[] {
  if (parts.some((p) => p.length > JOIN_MAX || p === '')) return [];
  const joined = dlp.scanText(parts.join(''), 'joined');
  if (joined.length === 0) return [];
  const shorter = parts.length > 2 ? [parts.slice(1).join(''), parts.slice(0, -1).join('')] : [...parts];
  const alone = new Set(shorter.flatMap((p) => dlp.scanText(p, 'x')).map((f) => f.type));
  return joined.filter((f) => !alone.has(f.type));
}

/**
 * Runs of two and three neighbours among one container's string children, in order.
 *
 * @example
 * [...neighbourRuns([a, b, c])] // [[a, b], [a, b, c], [b, c]]
 */
export function* neighbourRuns<T>(strings: readonly T[]): Generator<T[]> {
  for (let i = 0; i + 1 < strings.length; i++) {
    yield [strings[i]!, strings[i + 1]!];
    if (i + 2 < strings.length) yield [strings[i]!, strings[i + 1]!, strings[i + 2]!];
  }
}

/**
 * The runs of neighbouring string values of a JSON document (`body`: its bytes), in
 * document order; none when it is not JSON.
 *
 * @example
 * for (const run of jsonNeighbours(body)) siblingJoin(dlp, run.map((s) => s.text));
 */
export function* jsonNeighbours(body: Buffer): Generator<WalkedString[]> {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch {
    return;
  }
  const groups: WalkedString[][] = [];
  walkJsonStrings(doc, { onString: () => undefined, onSiblings: (strings) => void (strings.length > 1 && groups.push([...strings])) });
  for (const g of groups) yield* neighbourRuns(g);
}
