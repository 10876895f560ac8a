/**
 * `sluice audit query --session S --tools`: a session's MCP tool calls as a graph
 * in time order. Each call is a node (server, tool, outcome, deciding rule,
 * findings); consecutive calls are joined by an edge, and calls carried by the same
 * HTTP exchange (a JSON-RPC batch) are grouped under it. A withheld tools/list
 * (poisoned or changed tools) appears where it happened, so a rug pull shows in
 * the sequence it affected.
 *
 * @example
 * process.stdout.write(renderToolGraph('sess-1', records));
 */
import type { AuditRecord } from '../audit/fields.js';

/**
 * @example
 * renderToolGraph('s1', [rec]) // 'session s1 (tenant acme, agent bot): 1 tool call\n  1  12:00:00.000  tickets → tickets.create  allow  rule tickets-create\n'
 */
export function renderToolGraph(session: string, records: readonly AuditRecord[]): string {
  const mcp = records.filter((r) => r.protocol === 'mcp' || r.protocol === 'a2a');
  const calls = mcp.filter((r) => r.method === 'tools/call').length;
  const first = mcp[0];
  const who = first ? ` (tenant ${first.tenant ?? '-'}, agent ${first.agent ?? '-'}${first.human ? `, human ${first.human}` : ''})` : '';
  let out = `session ${clean(session)}${clean(who)}: ${calls} tool call${calls === 1 ? '' : 's'}\n`;
  if (mcp.length === 0) return out + '  (no MCP tool calls recorded for this session)\n';
  const width = String(mcp.length).length;
  let lastParent: string | null = null;
  mcp.forEach((r, i) => {
    const n = String(i + 1).padStart(width);
    const time = r.time.length >= 23 ? r.time.slice(11, 23) : r.time;
    const what = r.method === 'tools/call' ? `${r.server ?? '-'} → ${r.tool ?? '?'}` : `${r.server ?? '-'} ${r.method}`;
    const rule = r.rule ? `rule ${r.rule}` : '';
    const reason = r.outcome === 'allow' ? '' : ` (${r.reason})`;
    const error = r.error ? ` [${r.error}]` : '';
    if (i > 0) out += `  ${' '.repeat(width)}  │${r.parent_id !== null && r.parent_id === lastParent ? '  (same request)' : ''}\n`;
    out += `  ${n}  ${time}  ${clean(what)}  ${r.outcome}${reason}  ${clean(rule)}${clean(error)}\n`;
    for (const f of r.findings)
      out += `  ${' '.repeat(width)}     ↳ ${clean(f.type)} at ${clean(f.location)}${f.encoding ? ` (${clean(f.encoding)})` : ''}: ${f.action}${f.detail ? ` - ${clean(f.detail)}` : ''}\n`;
    lastParent = r.parent_id;
  });
  return out;
}

function clean(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}
