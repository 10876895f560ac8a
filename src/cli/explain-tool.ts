/**
 * The tool form of `sluice explain`: decide one MCP tool call against the
 * policy's MCP rules, without sending it, and say why.
 */
import { explainApproval } from '../policy/approval.js';
import { isIP } from 'node:net';
import { isHostName } from '../config/host-pattern.js';
import type { CompiledPolicy } from '../policy/compile.js';
import { isToolListed } from '../policy/decide-tool.js';
import { prepareFacts } from '../policy/matcher.js';
import { mcpServerFor } from '../policy/mcp-servers.js';
import { serverText } from '../policy/tool-rule.js';
import type { McpServerRef, ToolExplanation } from '../policy/tool-types.js';
import type { TraceEntry, Who } from '../policy/types.js';
import { UsageError } from '../usage-error.js';

/**
 * `--mcp-server S`: a server name from `mcp.servers`, a host (named by the first
 * server with that host, whatever its paths), or a URL (its host and path go
 * through `mcp.servers` as a request's would).
 *
 * @example
 * serverFromArg('https://mcp.tickets.example/mcp', policy); // { host: 'mcp.tickets.example', name: 'tickets' }
 * serverFromArg('tickets', policy);                         // { host: 'mcp.tickets.example', name: 'tickets' }
 */
export function serverFromArg(s: string, policy: CompiledPolicy): McpServerRef {
  if (s.includes('://')) {
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      throw new UsageError(`--mcp-server: '${s}' is not a URL; give a server name, a host, or a URL like https://mcp.example.com/mcp`);
    }
    return mcpServerFor(u.hostname, u.pathname, policy);
  }
  const named = policy.mcp.servers.find((x) => x.name === s);
  if (named !== undefined) {
    // The server's first exact host stands for it, so rules naming the host match too.
    const host = named.spec.hosts?.find((h) => !h.includes('*')) ?? s;
    return { host, name: s };
  }
  const bare = s.replace(/^\[|\]$/g, '');
  if (!isHostName(s) && isIP(bare) === 0) {
    throw new UsageError(`--mcp-server: '${s}' is not a server name from mcp.servers, a host, or a URL`);
  }
  // A host alone says no path: the first server with that host names it, whatever its paths.
  const f = prepareFacts({ scheme: 'https', host: s, port: 0, method: 'POST', path: '/' });
  const byHost = policy.mcp.servers.find((x) => x.matchesHost(f));
  return byHost === undefined ? { host: f.host } : { host: f.host, name: byHost.name };
}

/**
 * `--args JSON`: the call's arguments, a JSON object (default `{}`).
 *
 * @example
 * argsFromArg('{"path":"/workspace/a"}'); // { path: '/workspace/a' }
 */
export function argsFromArg(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--args takes a JSON object like '{"path":"/workspace/a.txt"}'; ${(err as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new UsageError(
      `--args takes a JSON object like '{"path":"/workspace/a.txt"}'; got ${Array.isArray(v) ? 'a list' : v === null ? 'null' : `a ${typeof v}`}`,
    );
  return v as Record<string, unknown>;
}

/**
 * The text the tool form prints.
 *
 * @example
 * formatToolExplanation(explainTool(facts, who, policy), facts.server, facts.tool, who, policy);
 * // decision:   deny
 * // rule:       tickets-no-delete (rule_deny)
 * // ...
 */
export function formatToolExplanation(
  { decision: d, trace }: ToolExplanation,
  server: McpServerRef,
  tool: string,
  who: Who | null,
  policy: CompiledPolicy,
  formatTrace: (trace: readonly TraceEntry[]) => string[],
): string {
  const listed = isToolListed(server, tool, who, policy);
  const lines = [
    `decision:   ${d.outcome}`,
    `rule:       ${d.rule} (${d.reason})`,
    `identity:   ${who === null ? 'none' : `tenant ${who.tenant}, agent ${who.agent}, session ${who.session}`}`,
    `server:     ${serverText(server)}${server.name == null ? ' (no name in mcp.servers)' : ''}`,
    `tool:       ${tool}`,
    `intent:     ${d.intent}`,
    `listed:     ${listed ? 'yes' : 'no (hidden from tools/list: every call to it is denied)'}`,
  ];
  if (d.approval) lines.push(`approval:   ${explainApproval(d.approval)}`);
  if (d.wouldDeny.length > 0) lines.push(`would deny: ${d.wouldDeny.join(', ')} (report mode)`);
  lines.push(`policy:     ${d.policyVersion}`, '');
  if (trace.length === 0) lines.push(`no MCP tool rules: ${policy.mcp.default} by default (mcp.default)`);
  lines.push(...formatTrace(trace));
  if (d.reason === 'no_rule_matched' && trace.length > 0) lines.push(`no enforce MCP rule matched: ${d.outcome} by default (mcp.default)`);
  return `${lines.join('\n')}\n`;
}
