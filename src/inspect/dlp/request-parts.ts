/**
 * The values of one request head put side by side for the joined scan: a secret cut
 * into pieces and sent as neighbouring query parameters, path segments, headers or
 * cookies is whole again when its pieces are joined. Only values: names (`p1=`,
 * `x-part-a:`) would sit between the pieces. Linear in the head: pairs and triples of
 * neighbours, and a bounded number of URL-and-header pairs.
 *
 * @example
 * requestJoins('/a/AKIAFAKE/0000TEST1234', {}).text // '\nAKIAFAKE0000TEST1234\n...'
 */

/** Headers that are the gate's own or framing, never the agent's data (the scanner skips them too). */
export const NOT_AGENT_DATA: ReadonlySet<string> = new Set([
  'proxy-authorization',
  'proxy-connection',
  'connection',
  'keep-alive',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'content-length',
  'host',
]);
/** Parts scanned at most (a head has at most a few hundred); beyond, the rest is left to the per-part scan. */
const MAX_PARTS = 128;

/** A value that could be a piece of a token: no spaces, 3+ characters of the kinds tokens and their encodings use. */
const FRAGMENT = /^[A-Za-z0-9+/=_.:~%-]{3,512}$/;
/** Cross pairs (one URL part, one header part) tried at most. */
const MAX_CROSS = 64;

/**
 * The text of the joined scan and the cuts inside it: the neighbouring values of the
 * URL (path segments, then query values) and of the head (header values, cookie values)
 * in pairs and triples, and each URL value with each head value in both orders; each
 * tuple on its own line, so a match can only span the values of one tuple.
 */
export function requestJoins(target: string, headers: Record<string, string | string[] | undefined>): { text: string; cuts: number[] } {
  const [url, head] = requestValues(target, headers);
  let text = '';
  const cuts: number[] = [];
  const tuple = (parts: readonly string[]): void => {
    text += '\n';
    parts.forEach((p, i) => {
      if (i > 0) cuts.push(text.length);
      text += p;
    });
  };
  for (const list of [url, head]) {
    for (let i = 0; i + 1 < list.length; i++) {
      tuple([list[i] as string, list[i + 1] as string]);
      if (i + 2 < list.length) tuple([list[i] as string, list[i + 1] as string, list[i + 2] as string]);
    }
  }
  let cross = 0;
  for (const u of url) {
    for (const h of head) {
      if (cross++ >= MAX_CROSS) break;
      tuple([u, h]);
      tuple([h, u]);
    }
  }
  return { text: text + '\n', cuts };
}

/** [URL values, head values], fragment-like ones only, in request order. */
function requestValues(target: string, headers: Record<string, string | string[] | undefined>): [string[], string[]] {
  const url: string[] = [];
  const q = target.indexOf('?');
  const hash = target.indexOf('#');
  const pathEnd = q >= 0 ? q : hash >= 0 ? hash : target.length;
  const path = target.slice(0, pathEnd).replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '');
  for (const seg of path.split('/')) url.push(seg);
  if (q >= 0) {
    const query = target.slice(q + 1, hash > q ? hash : target.length);
    for (const p of query.split('&')) {
      const eq = p.indexOf('=');
      url.push(eq >= 0 ? p.slice(eq + 1) : p);
    }
  }
  const head: string[] = [];
  for (const [name, raw] of Object.entries(headers)) {
    const lname = name.toLowerCase();
    if (raw === undefined || NOT_AGENT_DATA.has(lname)) continue;
    for (const value of Array.isArray(raw) ? raw : [raw]) {
      if (lname === 'cookie') {
        for (const c of value.split(';')) {
          const eq = c.indexOf('=');
          head.push((eq >= 0 ? c.slice(eq + 1) : c).trim());
        }
      } else head.push(value.trim());
    }
  }
  const keep = (xs: string[]): string[] => xs.filter((x) => FRAGMENT.test(x)).slice(0, MAX_PARTS);
  return [keep(url), keep(head)];
}
