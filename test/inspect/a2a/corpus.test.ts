/**
 * The public agent-egress-bench A2A cases (a2a-message, a2a-agent-card), read
 * from the shared corpus (read-only) and run straight through the A2A building
 * blocks with the default DLP and injection scanners: every JSON-RPC message
 * through parseJsonRpc and scanA2aRequest, every agent card through
 * scanAgentCard. Every case must get its expected verdict, and no finding may
 * carry a token from the payload. The rug-pull case is also run through the
 * pins, against the same card with a benign description.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DlpScanner } from '../../../src/inspect/dlp/index.js';
import { InjectionScanner } from '../../../src/inspect/injection/scanner.js';
import { parseJsonRpc } from '../../../src/inspect/mcp/jsonrpc.js';
import { agentCardFingerprints, compareAgentCardPins, isA2aMethod, scanA2aRequest, scanAgentCard } from '../../../src/inspect/a2a/index.js';
import type { Finding } from '../../../src/inspect/finding.js';

const ROOT = '/work/shared/conformance/agent-egress-bench/cases';
const CATEGORIES = ['a2a-message', 'a2a-agent-card'];

interface Case {
  id: string;
  expected_verdict: 'block' | 'allow';
  payload: { jsonrpc_messages?: unknown[]; agent_card?: unknown };
}

const dlp = new DlpScanner();
const injection = new InjectionScanner();

function findingsOf(c: Case): Finding[] {
  const out: Finding[] = [];
  if (c.payload.agent_card !== undefined) out.push(...scanAgentCard(c.payload.agent_card, injection));
  for (const raw of c.payload.jsonrpc_messages ?? []) {
    const parsed = parseJsonRpc(JSON.stringify(raw));
    assert.ok(parsed.ok, `${c.id}: ${parsed.ok ? '' : parsed.message}`);
    for (const m of parsed.messages) {
      assert.ok(m.kind === 'request' && isA2aMethod(m.method), `${c.id}: expected an A2A request`);
      out.push(...scanA2aRequest(m, dlp, injection));
    }
  }
  return out;
}

function stringValues(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(stringValues);
  if (typeof v === 'object' && v !== null) return Object.values(v).flatMap(stringValues);
  return [];
}

function loadCases(): Case[] {
  return CATEGORIES.flatMap((cat) =>
    readdirSync(join(ROOT, cat))
      .sort()
      .map((f) => JSON.parse(readFileSync(join(ROOT, cat, f), 'utf8')) as Case),
  );
}

test('agent-egress-bench a2a-message and a2a-agent-card cases all get their expected verdict', { skip: !existsSync(ROOT) }, () => {
  const cases = loadCases();
  assert.ok(cases.length >= 17, `${cases.length} cases`);
  const lines: string[] = [];
  const misses: string[] = [];
  for (const c of cases) {
    const findings = findingsOf(c);
    const blocked = findings.some((f) => f.action === 'block');
    const ok = blocked === (c.expected_verdict === 'block');
    if (!ok) misses.push(c.id);
    const why = [...new Set(findings.filter((f) => f.action === 'block').map((f) => `${f.type}@${f.location}`))].join(', ');
    lines.push(`  ${ok ? 'ok  ' : 'MISS'} ${c.id} expected ${c.expected_verdict}${why ? `: ${why}` : ''}`);
    // No finding carries a value from the payload (a location may name a key, never a value).
    const serialised = JSON.stringify(findings);
    for (const tok of stringValues(c.payload).flatMap((v) => v.match(/[A-Za-z0-9+/_-]{16,}/g) ?? []))
      assert.ok(!serialised.includes(tok), `${c.id}: finding leaks ${tok.slice(0, 4)}...`);
  }
  console.log(`agent-egress-bench A2A: ${cases.length - misses.length}/${cases.length} verdicts matched\n${lines.join('\n')}`);
  assert.deepEqual(misses, []);
});

test('the rug-pull card is also caught by its pins: the skill changed since a benign first sight', { skip: !existsSync(ROOT) }, () => {
  const c = JSON.parse(readFileSync(join(ROOT, 'a2a-agent-card', 'a2a-card-drift-description-change-004.json'), 'utf8')) as Case & {
    payload: { agent_card: { skills: Array<Record<string, unknown>> } };
  };
  const drifted = c.payload.agent_card;
  const baseline = { ...drifted, skills: drifted.skills.map((s) => ({ ...s, description: 'Reviews code.' })) };
  assert.deepEqual(scanAgentCard(baseline, injection), [], 'the baseline itself is clean');
  const cmp = compareAgentCardPins(agentCardFingerprints(baseline), drifted);
  assert.deepEqual([cmp.changed, cmp.unchanged, cmp.new, cmp.removed], [['skill:review'], ['card'], [], []]);
});
