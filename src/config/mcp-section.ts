/**
 * The `mcp:` and `a2a:` sections: gate-wide settings for agent protocols. Tool
 * rules themselves are `rules[]` with `mcp:` (mcp-rule-schema.ts); this section
 * names servers and sets what no rule covers.
 *
 * @example
 * mcpSchema.parse({ servers: { tickets: { hosts: ['mcp.tickets.example'] } } }).default; // 'deny'
 */
import * as z from 'zod';
import { MCP_DEFAULTS } from '../policy/tool-types.js';
import { emptyAsAbsent, hostPatternField, intInRange, strictSection } from './fields.js';
import { describeValue } from './describe-value.js';
import { listOf, pathPatternField } from './rule-fields.js';

const FOUR_MIB = 4 * 1024 * 1024;
const messageBytes = intInRange(1024, 1 << 30, ' (bytes)');

// Starts with a letter: an all-digit key would sort first in the map and break "first match wins".
const serverName = z.string().regex(/^[A-Za-z][A-Za-z0-9._-]*$/, {
  error: (i) => `expected a server name like tickets (a letter, then letters, digits, '.', '_' or '-'); got ${describeValue(i.input)}`,
});

const serverSchema = strictSection({
  /** Absent: a server reached over stdio only (`sluice mcp --name NAME`). */
  hosts: listOf(hostPatternField, '[mcp.tickets.example]').optional(),
  paths: listOf(pathPatternField, '["/mcp"]').optional(),
}).superRefine(
  (s, ctx) => {
    const raw = s as { hosts?: unknown; paths?: unknown };
    if (raw.paths !== undefined && raw.hosts === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['paths'],
        message: "only a server with 'hosts' has paths; leave both out for a stdio server (sluice mcp --name NAME)",
      });
  },
  { when: () => true },
);

export const mcpSchema = strictSection({
  /** `NAME: { hosts, paths? }`, in order: the first that matches a request names its server; `NAME: {}` names a stdio server. */
  servers: emptyAsAbsent(z.record(serverName, serverSchema).default({})),
  /** Tool calls no MCP rule matches. */
  default: z.enum(['deny', 'allow']).default(MCP_DEFAULTS.default),
  /** Rug-pull guard: a tool whose definition changes after first use. */
  pinning: z.enum(['enforce', 'report', 'off']).default(MCP_DEFAULTS.pinning),
  max_message_bytes: messageBytes.prefault(MCP_DEFAULTS.max_message_bytes),
  /** Tool-call chain detection. */
  chain: z.enum(['block', 'warn', 'off']).default(MCP_DEFAULTS.chain),
  scan_args_injection: z.boolean().default(MCP_DEFAULTS.scan_args_injection),
});
export type McpConfig = z.output<typeof mcpSchema>;

export const a2aSchema = strictSection({
  /** An agent card that changes after it was first seen. */
  card_pinning: z.enum(['enforce', 'report', 'off']).default('enforce'),
  max_message_bytes: messageBytes.prefault(FOUR_MIB),
});
export type A2aConfig = z.output<typeof a2aSchema>;

/**
 * A tool rule's `servers:` entry that is a single bare word (`tickets`) can only
 * be a name from `mcp.servers` (a host has a domain; `localhost` excepted): a
 * misspelt one would never match, so it is refused. Returns one problem per entry.
 *
 * @example
 * unknownServerNames([{ id: 'r', mcp: { servers: ['tickts'] } }], { tickets: {} });
 * // [{ path: [0, 'mcp', 'servers', 0], message: "no MCP server named 'tickts' in mcp.servers (servers are: tickets); ..." }]
 */
export function unknownServerNames(rules: readonly unknown[], servers: unknown): { path: (string | number)[]; message: string }[] {
  const names = typeof servers === 'object' && servers !== null ? Object.keys(servers) : [];
  const out: { path: (string | number)[]; message: string }[] = [];
  rules.forEach((rule, i) => {
    const list = (rule as { mcp?: { servers?: unknown } } | null)?.mcp?.servers;
    if (!Array.isArray(list)) return;
    list.forEach((p: unknown, j) => {
      if (typeof p !== 'string' || !/^[A-Za-z0-9_-]+$/.test(p) || p.toLowerCase() === 'localhost' || names.includes(p)) return;
      const known = names.length === 0 ? "there is no 'mcp.servers' section" : `servers are: ${names.join(', ')}`;
      out.push({
        path: [i, 'mcp', 'servers', j],
        message: `no MCP server named '${p}' in mcp.servers (${known}); a host needs its domain, like '${p}.internal'`,
      });
    });
  });
  return out;
}
