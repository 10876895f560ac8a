/**
 * Method override. Many frameworks run a request as the method named in
 * `X-HTTP-Method-Override`, `X-HTTP-Method` or `X-Method-Override` (Spring's
 * HiddenHttpMethodFilter, ASP.NET, Symfony, express method-override), or in a
 * `_method` field of the query or a form body (Rails, Laravel, Symfony). A POST
 * carrying `_method=DELETE` is a DELETE to the upstream, so the gate decides it as
 * every method it may be run as: it goes on only if the policy allows each of
 * them, and a refusal names the rule that denied the overriding method.
 *
 * Headers and the query are read before the decision; a form body is read as it
 * streams (body-override.ts), each chunk held until the next one is read, so a
 * refused override never reaches the upstream complete.
 */
import type { IncomingMessage } from 'node:http';
import type { Decision } from '../policy/types.js';
import { Rejection } from './errors-map.js';
import type { RequestContext } from './request-context.js';

export const OVERRIDE_HEADERS = ['x-http-method-override', 'x-http-method', 'x-method-override'] as const;

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Longer than any method; a longer value is refused, not truncated. */
const MAX_METHOD = 32;

/** One method a request asks to be run as, and where it said so. */
export interface Override {
  method: string;
  source: string;
}

/**
 * The methods named by override headers and the query's `_method`.
 *
 * @example
 * headerAndQueryOverrides({ 'x-http-method-override': 'delete' }, '/items/3?_method=PUT');
 * // [{ method: 'DELETE', source: 'x-http-method-override' }, { method: 'PUT', source: '_method in the query' }]
 */
export function headerAndQueryOverrides(headers: IncomingMessage['headers'], target: string): Override[] {
  const out: Override[] = [];
  for (const name of OVERRIDE_HEADERS) {
    const v = headers[name];
    if (v === undefined) continue;
    // Some servers take the first value, some the last, some the whole list: decide each.
    for (const part of (Array.isArray(v) ? v : [v]).join(',').split(',')) {
      if (part.trim() !== '') out.push({ method: methodOf(part, name), source: name });
    }
  }
  const q = target.indexOf('?');
  if (q === -1) return out;
  for (const pair of target.slice(q + 1).split(/[&;]/)) {
    const eq = pair.indexOf('=');
    if (eq === -1) continue;
    const name = fieldName(formDecode(pair.slice(0, eq)));
    if (!QUERY_FIELDS.has(name)) continue;
    const source = `${name} in the query`;
    out.push({ method: methodOf(formDecode(pair.slice(eq + 1)), source), source });
  }
  return out;
}

/** Query parameters frameworks read as an override: `_method`, and the header names some accept as parameters. */
const QUERY_FIELDS: ReadonlySet<string> = new Set(['_method', ...OVERRIDE_HEADERS.map((h) => h.replace(/[-]/g, '_')), ...OVERRIDE_HEADERS]);

/** A field name as PHP and lenient parsers fold it: leading spaces dropped, `.` and space become `_`, any case. */
export function fieldName(name: string): string {
  return name.trimStart().replace(/[. ]/g, '_').toLowerCase();
}

/** `+` as space, then percent-escapes; a broken escape is kept as written. */
export function formDecode(s: string): string {
  const plus = s.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(plus);
  } catch {
    return plus;
  }
}

/** The overriding method, upper-cased; a value that is not a method token is refused. */
export function methodOf(value: string, source: string): string {
  const m = value.trim();
  if (m.length > MAX_METHOD || !TOKEN.test(m)) {
    throw new Rejection('bad_request', `the method override in ${source} is not an HTTP method; refused (the upstream could read it as any method)`);
  }
  return m.toUpperCase();
}

/** Decides one more method the request may be run as; throws the refusal. */
export type OverrideCheck = (o: Override) => void;

/**
 * Headers that make some servers route to another path (IIS URL Rewrite, Symfony's
 * legacy support, some reverse proxies): the request is decided for that path too.
 */
export const PATH_OVERRIDE_HEADERS = ['x-original-url', 'x-rewrite-url'] as const;
/** The request decided as another method and path (same host, identity and policy). */
export type DecideAs = (method: string, path: string) => Decision;

/** More distinct overrides than any client needs: refused rather than decided one by one. */
const MAX_OVERRIDES = 8;

/**
 * Decide the request once more as each method (and each path named by a path
 * override header) it may be run as, and refuse it unless every such decision
 * allows. The refusal is recorded with the decision that denied.
 *
 * `decideAs` decides as the decide step does (pipeline/decide.ts), so the policy and
 * identity are the ones the request was decided with.
 *
 * @example
 * const check = overrideCheck(x, (m, path) => decideAs(x, m, path));
 * for (const o of headerAndQueryOverrides(req.headers, ctx.target)) check(o);
 */
export function overrideCheck(ctx: RequestContext, decideAs: DecideAs): OverrideCheck {
  const real = (ctx.req.method ?? 'GET').toUpperCase();
  const paths = [{ path: ctx.target, source: '' }, ...pathOverrides(ctx.req.headers)];
  const seen = new Set([`${real} ${ctx.target}`]);
  const one = (asked: string, path: string, source: string): void => {
    const method = asked.toUpperCase();
    const key = `${method} ${path}`;
    if (seen.has(key)) return;
    if (seen.size >= MAX_OVERRIDES * paths.length)
      throw new Rejection('bad_request', `the request names more than ${MAX_OVERRIDES} override methods or paths; refused`);
    seen.add(key);
    const d: Decision = decideAs(method, path);
    if (d.outcome === 'allow') return;
    ctx.decision = d;
    const as = path === ctx.target ? method : `${method} ${path}`;
    const why = d.reason === 'no_rule_matched' ? `no rule allows ${as} there (deny by default)` : `rule ${d.rule} denies ${as}`;
    throw new Rejection('policy_denied', `the request asks the upstream to run it as ${as} (${source}), and ${why}`, d.rule);
  };
  return (o) => {
    for (const p of paths) one(o.method, p.path, [o.source, p.source].filter((x) => x !== '').join(' and ') || 'the request line');
  };
}

function pathOverrides(headers: IncomingMessage['headers']): { path: string; source: string }[] {
  const out: { path: string; source: string }[] = [];
  for (const name of PATH_OVERRIDE_HEADERS) {
    const v = headers[name];
    if (v === undefined) continue;
    for (const path of Array.isArray(v) ? v : [v]) {
      if (!path.startsWith('/')) throw new Rejection('bad_request', `${name} must be a path starting with '/'; refused (the upstream could route it anywhere)`);
      out.push({ path, source: name });
    }
  }
  if (out.length > MAX_OVERRIDES) throw new Rejection('bad_request', `the request names more than ${MAX_OVERRIDES} override paths; refused`);
  return out;
}
