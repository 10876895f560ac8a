/**
 * The public agent-egress-bench MCP cases (mcp-input, mcp-tool), run straight
 * through the MCP building blocks: tools/call arguments through
 * scanToolCallArgs (DLP, plus injection as an option), tool definitions through
 * scanToolList, tool results through scanToolResult, and the rug-pull case
 * through the pins against a benign baseline. Prints each verdict and asserts
 * the floor reached when this was written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DlpScanner } from '../../../src/inspect/dlp/index.js';
import { InjectionScanner } from '../../../src/inspect/injection/scanner.js';
import { parseJsonRpc } from '../../../src/inspect/mcp/jsonrpc.js';
import { readToolCall, readToolList } from '../../../src/inspect/mcp/messages.js';
import { comparePins, toolFingerprint } from '../../../src/inspect/mcp/pins.js';
import { scanToolCallArgs, scanToolList, scanToolResult } from '../../../src/inspect/mcp/tool-inspect.js';
import type { Finding } from '../../../src/inspect/finding.js';

const ROOT = '/work/shared/conformance/agent-egress-bench/cases';

interface Case {
  id: string;
  input_type: string;
  expected_verdict: 'block' | 'allow';
  requires: string[];
  payload: { jsonrpc_messages: unknown[] };
}

function verdict(c: Case, withInjection: boolean): { blocked: boolean; findings: Finding[] } {
  const dlp = new DlpScanner();
  const injection = new InjectionScanner();
  const findings: Finding[] = [];
  let pinChanged = false;
  for (const raw of c.payload.jsonrpc_messages) {
    const parsed = parseJsonRpc(JSON.stringify(raw));
    assert.ok(parsed.ok, `${c.id}: ${parsed.ok ? '' : parsed.message}`);
    for (const m of parsed.messages) {
      const call = readToolCall(m);
      if (call !== null && typeof call !== 'string') findings.push(...scanToolCallArgs(call.args, dlp, withInjection ? { injection } : {}));
      if (m.kind !== 'result') continue;
      const tools = readToolList(m.result);
      if (tools !== null) {
        findings.push(...scanToolList(tools, injection));
        if (c.requires.includes('mcp_tool_baseline')) {
          // The baseline the case presumes: the same tool with a benign description.
          const baseline: Array<Record<string, unknown>> = tools.map((t) => ({
            ...(t as Record<string, unknown>),
            description: 'Get the current weather for a city.',
          }));
          const pins = new Map(baseline.map((t) => [t.name as string, toolFingerprint(t)]));
          pinChanged = comparePins(pins, tools).changed.length > 0;
        }
      } else {
        findings.push(...scanToolResult(m.result, injection));
      }
    }
  }
  return { blocked: pinChanged || findings.some((f) => f.action === 'block'), findings };
}

test('agent-egress-bench mcp-input and mcp-tool cases', { skip: !existsSync(ROOT) }, () => {
  const lines: string[] = [];
  let matched = 0;
  let matchedDlpOnly = 0;
  let total = 0;
  for (const cat of ['mcp-input', 'mcp-tool']) {
    for (const file of readdirSync(join(ROOT, cat)).sort()) {
      const c = JSON.parse(readFileSync(join(ROOT, cat, file), 'utf8')) as Case;
      total++;
      const full = verdict(c, true);
      const dlpOnly = verdict(c, false);
      const want = c.expected_verdict === 'block';
      if (full.blocked === want) matched++;
      if (dlpOnly.blocked === want) matchedDlpOnly++;
      const why = [...new Set(full.findings.filter((f) => f.action === 'block').map((f) => `${f.type}@${f.location}`))].join(', ');
      lines.push(
        `  ${full.blocked === want ? 'ok  ' : 'MISS'} ${c.id} expected ${c.expected_verdict}${dlpOnly.blocked !== full.blocked ? ' (args injection scan needed)' : ''}${why ? `: ${why}` : ''}`,
      );
      // Findings on arguments never carry a value from them (tool names in mcp.tool locations are not values).
      if (cat !== 'mcp-input') continue;
      const serialised = JSON.stringify(full.findings);
      for (const tok of JSON.stringify(c.payload).match(/[A-Za-z0-9+/_-]{16,}/g) ?? [])
        assert.ok(!serialised.includes(tok), `${c.id}: finding leaks ${tok.slice(0, 4)}...`);
    }
  }
  console.log(
    `agent-egress-bench MCP: ${matched}/${total} verdicts matched (${matchedDlpOnly}/${total} without scanning arguments for injection)\n${lines.join('\n')}`,
  );
  assert.ok(matched >= 16, `${matched}/${total}`);
});
