/**
 * What a tool glob and a server pattern may look like. The config schema and the
 * compiler both ask these, so a pattern that loads always compiles, and a slip
 * (a space, `***`, a URL, a port) is refused instead of silently never matching.
 */
import { urlHint } from '../net/url-hint.js';

const MAX_PATTERN = 256;

/**
 * null when `v` is a usable tool-name glob, otherwise what is wrong with it.
 *
 * @example
 * toolGlobProblem('tickets.*');   // null
 * toolGlobProblem('tickets.***'); // "'***' in 'tickets.***': write '*' (within a dot segment) or '**' (across dots)"
 */
export function toolGlobProblem(v: unknown): string | null {
  const base = common(v, "a tool name or glob like 'tickets.create' or 'tickets.*'");
  if (base !== null) return base;
  const s = v as string;
  if (s.includes('***')) return `'***' in '${s}': write '*' (within a dot segment) or '**' (across dots)`;
  return null;
}

/**
 * null when `v` is a usable server pattern: a host pattern (`mcp.example.com`,
 * `*.corp.example`, an IP) or a server name (glob) from `mcp.servers`.
 *
 * @example
 * serverPatternProblem('*.corp.example');              // null
 * serverPatternProblem('https://mcp.example.com/mcp'); // "expected a host or a server name, not a URL; got 'https://mcp.example.com/mcp' (write 'mcp.example.com')"
 */
export function serverPatternProblem(v: unknown): string | null {
  const base = common(v, "a host like 'mcp.example.com', a wildcard like '*.corp.example', or a server name from mcp.servers");
  if (base !== null) return base;
  const s = v as string;
  if (s.includes('/')) return `expected a host or a server name, not a URL; got '${s}'${urlHint(s)}`;
  const port = /^([^:[\]]+):(\d+)$/.exec(s);
  if (port) return `a server pattern carries no port; write '${port[1]}' instead of '${s}'`;
  if (s.includes('***')) return `'***' in '${s}': write '*' or '**'`;
  return null;
}

function common(v: unknown, expected: string): string | null {
  if (typeof v !== 'string') return `expected ${expected}; got ${shown(v)}`;
  if (v === '') return `expected ${expected}; got an empty string`;
  if (v.length > MAX_PATTERN) return `a pattern is at most ${MAX_PATTERN} characters; got ${v.length}`;
  // Whitespace and control characters never occur in a tool or host name: a pattern with one is a slip.
  if (/[\s\p{Cc}]/u.test(v)) return `'${v}' contains a space or control character; tool and host names have none`;
  return null;
}

function shown(v: unknown): string {
  if (v === null || v === undefined) return 'an empty value';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return typeof v === 'object' ? 'a map' : typeof v;
}
