/**
 * The values of one request head, in two orders, for the joined scan: a secret cut
 * into pieces and sent as neighbouring query parameters, path segments, headers or
 * cookies is whole again when the values are put side by side. Only values: names
 * (`p1=`, `x-part-a:`) would sit between the pieces.
 *
 * @example
 * requestParts('/a/AKIAFAKE/0000TEST1234?x=1', { cookie: 'a=1; b=2' })
 * // [['a', 'AKIAFAKE', '0000TEST1234', '1', '1', '2'], ['1', '2', 'a', 'AKIAFAKE', '0000TEST1234', '1']]
 */

/** Headers that are the gate's own or framing, never the agent's data. */
const SKIP = new Set(['proxy-authorization', 'proxy-connection', 'connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'content-length', 'host']);
/** Parts scanned at most (a head has at most a few hundred); beyond, the rest is left to the per-part scan. */
const MAX_PARTS = 512;

/** [URL parts then header parts, header parts then URL parts]. */
export function requestParts(target: string, headers: Record<string, string | string[] | undefined>): [string[], string[]] {
  const url: string[] = [];
  const q = target.indexOf('?');
  const hash = target.indexOf('#');
  const pathEnd = q >= 0 ? q : hash >= 0 ? hash : target.length;
  const path = target.slice(0, pathEnd).replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '');
  for (const seg of path.split('/')) if (seg.length > 0) url.push(seg);
  if (q >= 0) {
    const query = target.slice(q + 1, hash > q ? hash : target.length);
    for (const p of query.split('&')) {
      const eq = p.indexOf('=');
      const v = eq >= 0 ? p.slice(eq + 1) : p;
      if (v.length > 0) url.push(v);
    }
  }
  const head: string[] = [];
  for (const [name, raw] of Object.entries(headers)) {
    const lname = name.toLowerCase();
    if (raw === undefined || SKIP.has(lname)) continue;
    for (const value of Array.isArray(raw) ? raw : [raw]) {
      if (lname === 'cookie') {
        for (const c of value.split(';')) {
          const eq = c.indexOf('=');
          const v = (eq >= 0 ? c.slice(eq + 1) : c).trim();
          if (v.length > 0) head.push(v);
        }
      } else if (value.length > 0) head.push(value.trim());
    }
  }
  return [[...url, ...head].slice(0, MAX_PARTS), [...head, ...url].slice(0, MAX_PARTS)];
}
