/**
 * `mcp.servers`: names for MCP servers, so tool rules can say `servers: [tickets]`
 * instead of repeating hosts. A request to a configured server's hosts (and paths,
 * when given) carries that name; the first server in the config that matches wins.
 * Hosts match like a rule's `hosts:` and paths like its `paths:` (an ambiguous
 * path, with `..` or `%2F`, matches only `/**`): the same matchers, reused.
 */
import { PolicyCompileError } from './compile-error.js';
import { prepareFacts, type Matcher, type PreparedFacts } from './matcher.js';
import { pathPatternProblem } from './path-glob.js';
import type { McpServerRef, McpServerSpec } from './tool-types.js';
import { hostsMatcher, pathsMatcher } from './what-matchers.js';

export interface CompiledMcpServer {
  readonly name: string;
  readonly spec: McpServerSpec;
  matches(facts: PreparedFacts): boolean;
  /** The host alone matches (paths not looked at). */
  matchesHost(facts: PreparedFacts): boolean;
  /** The path is not the server's, but its upstream may read it so (deny-rule path semantics). */
  matchesLoosely(facts: PreparedFacts): boolean;
}

const NAME = /^[A-Za-z][A-Za-z0-9._-]*$/;

/**
 * Compile `mcp.servers`, in the order written.
 *
 * @example
 * compileMcpServers({ tickets: { hosts: ['mcp.tickets.example'] } })[0]?.name; // 'tickets'
 */
export function compileMcpServers(servers: Readonly<Record<string, McpServerSpec>> | undefined): CompiledMcpServer[] {
  return Object.entries(servers ?? {}).map(([name, spec]) => {
    const fail = (msg: string): never => {
      throw new PolicyCompileError(`mcp.servers.${name}`, msg, 'server');
    };
    if (!NAME.test(name)) fail("a server name is a letter, then letters, digits, '.', '_' or '-'");
    if (spec.hosts === undefined) {
      // A stdio server's name (sluice mcp --name NAME): tool rules may name it; no HTTP request is it.
      if (spec.paths !== undefined) fail("paths: only a server with 'hosts' has paths; leave both out for a stdio server");
      return { name, spec, matches: () => false, matchesHost: () => false, matchesLoosely: () => false };
    }
    if (!Array.isArray(spec.hosts) || spec.hosts.length === 0) fail('hosts: expected at least one host');
    if (spec.paths !== undefined) {
      if (spec.paths.length === 0) fail('paths: expected at least one path pattern; leave the key out to match any path');
      for (const p of spec.paths) {
        const why = pathPatternProblem(p);
        if (why !== null) fail(`paths: ${why}`);
      }
    }
    const hosts = hostsMatcher.compile({ id: name, hosts: spec.hosts }) as Matcher;
    // As on an allow rule: naming a server grants its tool rules, so an ambiguous path does not name it.
    const paths = spec.paths === undefined ? null : pathsMatcher.compile({ id: name, paths: spec.paths, action: 'allow' });
    // As on a deny rule: what the upstream may read as the server (`/MCP`, `/x/..%2Fmcp`) keeps its deny rules.
    const loose = spec.paths === undefined ? null : pathsMatcher.compile({ id: name, paths: spec.paths, action: 'deny' });
    return {
      name,
      spec,
      matches: (f) => hosts.matches(f, null) && (paths === null || paths.matches(f, null)),
      matchesHost: (f) => hosts.matches(f, null),
      matchesLoosely: (f) => loose !== null && hosts.matches(f, null) && loose.matches(f, null),
    };
  });
}

/**
 * The MCP server an HTTP request goes to: its host (lower-case, no brackets or
 * trailing dot) and, when `mcp.servers` names it, its name. A path that is not the
 * server's but that its upstream may read as such (`/MCP`, `/mcp;x`) names it
 * `loose`ly: its deny tool rules apply, its allow rules do not.
 *
 * @example
 * mcpServerFor('MCP.Tickets.example', '/mcp', policy); // { host: 'mcp.tickets.example', name: 'tickets' }
 * mcpServerFor('other.example', '/', policy);          // { host: 'other.example' }
 * mcpServerFor('mcp.tickets.example', '/MCP', policy); // { host: 'mcp.tickets.example', name: 'tickets', loose: true }
 */
export function mcpServerFor(host: string, path: string, policy: { readonly mcp: { readonly servers: readonly CompiledMcpServer[] } }): McpServerRef {
  const f = prepareFacts({ scheme: 'https', host, port: 0, method: 'POST', path });
  for (const s of policy.mcp.servers) if (s.matches(f)) return { host: f.host, name: s.name };
  for (const s of policy.mcp.servers) if (s.matchesLoosely(f)) return { host: f.host, name: s.name, loose: true };
  return { host: f.host };
}
