/**
 * Runs the response-side cases of the public agent-egress-bench corpus through
 * the scanner directly (no gate): response bodies through a streaming response
 * scanner, MCP tool definitions and A2A agent cards through scanToolDescription,
 * MCP tool results through scanText. Verdict: block when any finding blocks.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InjectionFinding } from '../../../src/inspect/injection/types.js';
import type { InjectionScanner } from '../../../src/inspect/injection/scanner.js';

export const CORPUS = process.env.SLUICE_AEB_CASES ?? '/work/shared/conformance/agent-egress-bench/cases';
export const CATEGORIES = ['response-fetch', 'response-mitm', 'mcp-tool', 'a2a-agent-card', 'false-positive'];

export interface CaseResult {
  id: string;
  category: string;
  expected: string;
  actual: string;
  findings: InjectionFinding[];
}

interface Case {
  id: string;
  input_type: string;
  expected_verdict: string;
  payload: Record<string, unknown>;
}

function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) strings(v, out);
  return out;
}

function scanCase(scanner: InjectionScanner, c: Case): InjectionFinding[] | null {
  const p = c.payload;
  if (typeof p.response_body === 'string') {
    const rs = scanner.responseScanner(undefined, 'response.body');
    const body = Buffer.from(p.response_body);
    const found: InjectionFinding[] = [];
    // Odd-sized chunks on purpose: phrases get cut mid-word.
    for (let i = 0; i < body.length; i += 37) found.push(...rs.push(body.subarray(i, i + 37)));
    return [...found, ...rs.end()];
  }
  if (p.agent_card !== undefined) {
    return strings(p.agent_card).flatMap((s, i) => scanner.scanToolDescription(s, `agent_card[${i}]`));
  }
  const messages = p.jsonrpc_messages;
  if (!Array.isArray(messages)) return null;
  const found: InjectionFinding[] = [];
  let applicable = false;
  for (const m of messages as Array<Record<string, unknown>>) {
    const result = m.result as Record<string, unknown> | undefined;
    if (result === undefined) continue;
    if (Array.isArray(result.tools)) {
      applicable = true;
      for (const tool of result.tools) found.push(...strings(tool).flatMap((s) => scanner.scanToolDescription(s, 'mcp.tools/list')));
    }
    if (Array.isArray(result.content)) {
      applicable = true;
      for (const s of strings(result.content)) found.push(...scanner.scanText(s, 'mcp.tools/call.result'));
    }
  }
  return applicable ? found : null;
}

export function runCorpus(scanner: InjectionScanner): CaseResult[] {
  const results: CaseResult[] = [];
  for (const category of CATEGORIES) {
    const dir = join(CORPUS, category);
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()) {
      const c = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Case;
      const findings = scanCase(scanner, c);
      if (findings === null) continue; // request-side case (URL, tool call): not this scanner's
      const actual = findings.some((f) => f.action === 'block') ? 'block' : 'allow';
      results.push({ id: c.id, category, expected: c.expected_verdict, actual, findings });
    }
  }
  return results;
}
