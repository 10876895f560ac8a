/**
 * Globs for MCP tool names and servers.
 *
 * Tool names (and configured server names): `*` matches any run of characters
 * except '.', so `tickets.*` matches `tickets.create` but not
 * `tickets.admin.purge`; `**` matches any run including dots, so `tickets.**`
 * matches both. Every other character is literal; matching is case-sensitive (MCP
 * tool names are). `*` alone matches any name without a dot, `**` any name.
 *
 * Server hosts follow the policy's `hosts:` rules, so one pattern means the same
 * thing in both places: an exact name, `*.example.com` (any depth of subdomain,
 * not the apex), or `*` / `**` (any host); compared lower-case. Other wildcard
 * shapes, which `hosts:` refuses (`mcp-*.example.com`), match hosts with the
 * tool-name glob (`*` within one label, `**` across labels).
 *
 * Matching is a dynamic programme over pattern × name, O(|p|·|s|), with no
 * backtracking blow-up whatever the pattern.
 *
 * @example
 * compileToolGlob('tickets.*')('tickets.create')       // true
 * compileToolGlob('tickets.*')('tickets.admin.purge')  // false
 * compileToolGlob('tickets.**')('tickets.admin.purge') // true
 */
import { canonicalIpText } from '../../net/ip.js';

export type GlobMatcher = (name: string) => boolean;

type Token = { kind: 'lit'; ch: number } | { kind: 'star' } | { kind: 'globstar' };

/** Compile a tool-name glob (see the module comment). */
export function compileToolGlob(pattern: string): GlobMatcher {
  if (pattern === '**') return () => true;
  if (!pattern.includes('*')) return (name) => name === pattern;
  const tokens: Token[] = [];
  for (let i = 0; i < pattern.length; i++) {
    if (pattern.charCodeAt(i) === 42) {
      let n = 1;
      while (pattern.charCodeAt(i + 1) === 42) {
        i++;
        n++;
      }
      tokens.push({ kind: n >= 2 ? 'globstar' : 'star' });
    } else {
      tokens.push({ kind: 'lit', ch: pattern.charCodeAt(i) });
    }
  }
  return (name) => globMatch(tokens, name);
}

/**
 * NFA simulation: `reach[j]` says the first j tokens can match the prefix read so
 * far. A star consumes a character by staying where it is; a literal moves on.
 */
function globMatch(tokens: readonly Token[], s: string): boolean {
  const n = tokens.length;
  let reach = new Uint8Array(n + 1);
  reach[0] = 1;
  closeStars(tokens, reach);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const next = new Uint8Array(n + 1);
    let alive = false;
    for (let j = 0; j < n; j++) {
      if (reach[j] !== 1) continue;
      const t = tokens[j]!;
      if (t.kind === 'lit') {
        if (t.ch === c) next[j + 1] = 1;
      } else if (t.kind === 'globstar' || c !== 46 /* . */) {
        next[j] = 1;
      }
    }
    closeStars(tokens, next);
    for (let j = 0; j <= n && !alive; j++) alive = next[j] === 1;
    if (!alive) return false;
    reach = next;
  }
  return reach[n] === 1;
}

/** A star can match the empty run: whatever reaches it reaches past it. */
function closeStars(tokens: readonly Token[], row: Uint8Array): void {
  for (let j = 0; j < tokens.length; j++) if (row[j] === 1 && tokens[j]!.kind !== 'lit') row[j + 1] = 1;
}

/**
 * Compile a server pattern: true when it matches the host (policy host rules) or
 * the configured server name (tool-name glob).
 *
 * @example
 * const m = compileServerPattern('*.corp.example');
 * m({ host: 'mcp.eu.corp.example' });              // true
 * compileServerPattern('tickets')({ host: 'x.example', name: 'tickets' }); // true
 */
export function compileServerPattern(pattern: string): (server: McpServerRef) => boolean {
  // An IP literal is compared in its canonical text, as the gate reads request hosts.
  const hostPattern = normaliseHost(pattern);
  const nameGlob = compileToolGlob(pattern);
  let hostMatch: (host: string) => boolean;
  if (hostPattern === '*' || hostPattern === '**') hostMatch = () => true;
  else if (hostPattern.startsWith('*.') && !hostPattern.slice(2).includes('*')) {
    const suffix = hostPattern.slice(1);
    hostMatch = (h) => h.endsWith(suffix) && h.length > suffix.length;
  } else if (!hostPattern.includes('*')) hostMatch = (h) => h === hostPattern;
  else {
    const hostGlob = compileToolGlob(hostPattern);
    hostMatch = (h) => hostGlob(h);
  }
  return (server) => hostMatch(normaliseHost(server.host)) || (server.name != null && nameGlob(server.name));
}

/** The MCP server a message goes to: its host and, when configured, its name. */
export interface McpServerRef {
  host: string;
  name?: string | null;
  /**
   * Named only because the path is one the server's upstream may read as its own
   * (another case, `%2F`, `;`, ...): deny rules see the name, allow rules do not.
   */
  loose?: true;
}

function normaliseHost(h: string): string {
  let s = h.toLowerCase();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  if (s.endsWith('.')) s = s.slice(0, -1);
  return canonicalIpText(s) ?? s;
}
