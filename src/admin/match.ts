/**
 * Find the route for a method and path: templates (`/api/v1/approvals/{id}`) are
 * matched segment by segment, a literal segment before a parameter, so
 * `/api/v1/decisions/stream` is never read as a decision id.
 *
 * @example
 * matchRoute(ROUTES, 'GET', '/api/v1/approvals/apr_1'); // { route, params: { id: 'apr_1' } }
 */
import type { RouteDef } from './route.js';

export type Match = { route: RouteDef; params: Record<string, string> } | { route: null; allowed: string[] };

export function matchRoute(routes: readonly RouteDef[], method: string, path: string): Match {
  const segs = path.split('/');
  const allowed: string[] = [];
  let best: { route: RouteDef; params: Record<string, string>; literals: number } | null = null;
  for (const r of routes) {
    const tpl = r.path.split('/');
    if (tpl.length !== segs.length) continue;
    const params: Record<string, string> = {};
    let literals = 0;
    let ok = true;
    for (let i = 0; i < tpl.length && ok; i++) {
      const t = tpl[i]!;
      const s = segs[i]!;
      if (t.startsWith('{') && t.endsWith('}')) {
        if (s === '') ok = false;
        else {
          try {
            params[t.slice(1, -1)] = decodeURIComponent(s);
          } catch {
            ok = false;
          }
        }
      } else if (t === s) literals++;
      else ok = false;
    }
    if (!ok) continue;
    if (r.method !== method) {
      allowed.push(r.method);
      continue;
    }
    if (best === null || literals > best.literals) best = { route: r, params, literals };
  }
  return best === null ? { route: null, allowed } : { route: best.route, params: best.params };
}
