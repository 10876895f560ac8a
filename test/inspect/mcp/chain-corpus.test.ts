/**
 * The public agent-egress-bench mcp-chain cases (read-only, never edited): each
 * case's tools/call messages go through the JSON-RPC parser and readToolCall
 * into one ChainTracker, one second apart, and the verdict (any blocking
 * finding) must equal the case's expected verdict. Prints each verdict.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseJsonRpc } from '../../../src/inspect/mcp/jsonrpc.js';
import { readToolCall } from '../../../src/inspect/mcp/messages.js';
import { ChainTracker } from '../../../src/inspect/mcp/chain-tracker.js';
import type { Finding } from '../../../src/inspect/finding.js';

const DIR = '/work/shared/conformance/agent-egress-bench/cases/mcp-chain';

interface Case {
  id: string;
  expected_verdict: 'block' | 'allow';
  why_expected: string;
  payload: { jsonrpc_messages: unknown[] };
}

/** Every string in the case's tools/call arguments, and its distinctive pieces. */
function argumentPieces(c: Case): string[] {
  const out: string[] = [];
  const visit = (v: unknown): void => {
    if (typeof v === 'string') {
      out.push(v, ...v.split(/[\s/?=&@:"#!|*-]+/).filter((p) => p.length >= 5));
    } else if (Array.isArray(v)) v.forEach(visit);
    else if (v !== null && typeof v === 'object') Object.values(v).forEach(visit);
  };
  for (const m of c.payload.jsonrpc_messages) visit((m as { params?: { arguments?: unknown } }).params?.arguments);
  return out;
}

test('agent-egress-bench mcp-chain cases: every verdict as expected, findings carry no argument value', { skip: !existsSync(DIR) }, () => {
  const files = readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .sort();
  assert.ok(files.length >= 8, `expected the 8 mcp-chain cases, found ${files.length}`);
  const lines: string[] = [];
  let matched = 0;
  for (const file of files) {
    const c = JSON.parse(readFileSync(join(DIR, file), 'utf8')) as Case;
    const tracker = new ChainTracker();
    const findings: Finding[] = [];
    let now = 1_700_000_000_000;
    let calls = 0;
    for (const raw of c.payload.jsonrpc_messages) {
      const parsed = parseJsonRpc(JSON.stringify(raw));
      assert.ok(parsed.ok, `${c.id}: ${parsed.ok ? '' : parsed.message}`);
      for (const m of parsed.messages) {
        const call = readToolCall(m);
        assert.ok(call !== null && typeof call !== 'string', `${c.id}: every message is a well-formed tools/call`);
        calls++;
        findings.push(...tracker.observe(call, (now += 1000)));
      }
    }
    assert.ok(calls >= 2, `${c.id}: a sequence has at least two calls`);
    const blocked = findings.some((f) => f.action === 'block');
    const ok = blocked === (c.expected_verdict === 'block');
    if (ok) matched++;
    lines.push(
      `  ${ok ? 'ok  ' : 'MISS'} ${c.id} expected ${c.expected_verdict} (${c.why_expected})${findings.length > 0 ? `: ${[...new Set(findings.map((f) => f.type))].join(', ')}` : ''}`,
    );
    for (const f of findings) {
      assert.equal(f.location, 'mcp.chain');
      assert.match(f.type, /^mcp_chain:[a-z_]+$/);
      assert.ok(f.detail?.startsWith(f.type.slice('mcp_chain:'.length)), `${c.id}: detail names the pattern`);
    }
    const serialised = JSON.stringify(findings);
    const toolNames = new Set(c.payload.jsonrpc_messages.map((m) => (m as { params: { name: string } }).params.name));
    for (const piece of argumentPieces(c)) {
      if (toolNames.has(piece)) continue;
      assert.ok(!serialised.includes(piece), `${c.id}: a finding carries the argument piece ${JSON.stringify(piece.slice(0, 4))}...`);
    }
  }
  console.log(`mcp-chain corpus: ${matched}/${files.length} as expected\n${lines.join('\n')}`);
  assert.equal(matched, files.length, lines.join('\n'));
});
