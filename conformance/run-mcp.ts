/**
 * Run one MCP case (`mcp_http` or `mcp_stdio`) against the harness: plan the
 * conversation, hold it through the gate (HTTP) or through `sluice mcp` (stdio),
 * judge it, and add what the fixture and the gate's audit log say.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchCase } from './case.js';
import { mcpArrivalsOf } from './fixtures-mcp.js';
import { SLUICE_BIN, type Harness } from './harness.js';
import { mcpPlan, type McpPlan } from './mcp-plan.js';
import { line, type ResultLine, type RunIdentity } from './result.js';
import { caseEndpoint, sendMcpHttp } from './send-mcp.js';
import { sendMcpStdio, serverName, stdioLaunch } from './send-mcp-stdio.js';
import type { AuditLine } from './audit-tail.js';
import { judgeMcp } from './verdict-mcp.js';

/** The stdio fixture program, compiled next to this file. */
export const FIXTURE_STDIO = new URL('./fixture-mcp-stdio.js', import.meta.url).pathname;

export interface McpRunOptions {
  /** Scheme of the `mcp_http` endpoint (default https: CONNECT and interception). */
  mcpScheme?: 'http' | 'https';
}

/** Send an applicable MCP case and build its result line. */
export async function runMcpCase(c: BenchCase, h: Harness, who: RunIdentity, opts: McpRunOptions = {}): Promise<ResultLine> {
  const exited = h.gateExit();
  if (exited) return line(c, who, 'error', { matched_signal: 'gate_down' }, `the gate exited (code ${exited.code}, signal ${exited.signal})`);
  let plan: McpPlan;
  try {
    plan = mcpPlan(c);
  } catch (err) {
    return line(c, who, 'error', {}, `bad payload: ${(err as Error).message}`);
  }
  await h.audit.read(); // drop anything left from earlier cases
  let obs;
  let mine: (r: AuditLine) => boolean;
  if (c.transport === 'mcp_http') {
    const url = caseEndpoint(c.id, 'mcp', opts.mcpScheme);
    const host = new URL(url).hostname;
    mine = (r) => r.host === host || r.server === host;
    // Its own agent session, as each `sluice mcp` process has: the gate remembers
    // tool-call chains per agent session, across servers, so cases must not share one.
    let token: string;
    try {
      token = await h.sessionToken(`bench-${serverName(c.id)}`.slice(0, 128));
    } catch (err) {
      return line(c, who, 'error', { matched_signal: 'no_token' }, (err as Error).message);
    }
    obs = await sendMcpHttp({ port: h.gatePort, token, caPem: h.gateCaPem }, plan, url);
    obs.arrivals = mcpArrivalsOf(h.fixtures.arrivals(c.id));
  } else {
    const name = serverName(c.id);
    mine = (r) => r.host === name || r.server === name;
    const dir = join(h.dir, 'mcp-stdio');
    await mkdir(dir, { recursive: true });
    const caseFile = join(dir, `${name}.json`);
    await writeFile(caseFile, JSON.stringify(c));
    const launch = stdioLaunch({
      sluiceBin: SLUICE_BIN,
      configFile: h.configFile,
      gatePort: h.gatePort,
      fixture: FIXTURE_STDIO,
      caseFile,
      logFile: join(dir, `${name}.arrivals.jsonl`),
      name,
    });
    obs = await sendMcpStdio(launch, plan);
  }
  const judged = judgeMcp(plan, obs);
  const evidence = judged.evidence;
  const decisionId = typeof evidence.decision_id === 'string' ? evidence.decision_id : undefined;
  attachMcpAudit(await h.audit.collect(mine, { ...(decisionId !== undefined ? { decisionId } : {}) }), evidence);
  let notes = judged.notes;
  if (judged.verdict === 'error' && h.gateExit()) notes = `${notes}; the gate exited: ${h.gateStderr().slice(-500)}`;
  return line(c, who, judged.verdict, evidence, notes);
}

/**
 * The gate's records of the case: `audit` is the record of the refusal (by decision
 * id) when there was one, else the last tool-call record; `audit_mcp` lists every MCP
 * record (method, tool, outcome, reason, finding types) in order.
 */
export function attachMcpAudit(records: readonly AuditLine[], evidence: Record<string, unknown>): void {
  const mcp = records.filter((r) => r.protocol === 'mcp');
  const id = evidence.decision_id;
  const rec = (typeof id === 'string' ? records.find((r) => r.decision_id === id) : undefined) ?? mcp.at(-1) ?? records.at(-1);
  if (rec !== undefined) {
    evidence.audit = { outcome: rec.outcome, reason: rec.reason, rule: rec.rule, route: rec.route, server: rec.server, tool: rec.tool, findings: rec.findings };
  }
  if (mcp.length > 0) {
    evidence.audit_mcp = mcp.map((r) => ({
      method: r.method,
      tool: r.tool,
      outcome: r.outcome,
      reason: r.reason,
      findings: Array.isArray(r.findings) ? (r.findings as { type?: unknown }[]).map((f) => f.type) : [],
    }));
  }
}
