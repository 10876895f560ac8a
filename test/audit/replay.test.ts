/**
 * audit/replay.ts, one classification at a time: records built with the one record
 * builder, policies compiled from rule lists, both sides decided by the real `decide`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AuditRecord } from '../../src/audit/fields.js';
import { auditRecord, type RecordWho } from '../../src/audit/record.js';
import { classify, replayRecord, replayRecords } from '../../src/audit/replay.js';
import { compilePolicy } from '../../src/policy/compile.js';
import type { RuleSpec } from '../../src/policy/types.js';

const ROUTES = { 'egress-a': {}, 'egress-b': {} };
const policy = (rules: RuleSpec[], version = 'v-test') => compilePolicy(rules, version, ROUTES, { default: 'deny' });

let n = 0;
function rec(over: Partial<AuditRecord> & { who?: RecordWho | null } = {}): AuditRecord {
  return auditRecord({
    decision_id: `d${++n}`,
    time: new Date(2026, 0, 1, 0, 0, n).toISOString(),
    policy_version: 'v-old',
    outcome: 'allow',
    reason: 'rule_allow',
    status: 200,
    who: { tenant: 'acme', agent: 'coder', session: 'ses_1', human: null },
    method: 'GET',
    scheme: 'https',
    host: 'api.example.com',
    port: 443,
    path: '/items/1',
    rule: 'read',
    ...over,
  });
}

const read: RuleSpec = { id: 'read', hosts: ['api.example.com'] };
const cred = (secret: string): RuleSpec => ({
  id: 'read',
  hosts: ['api.example.com'],
  credential: { secret, header: 'authorization', value: 'Bearer {{secret}}' },
});

void test('unchanged: the same rules decide the same', () => {
  assert.equal(replayRecord(rec(), policy([read]), policy([read])).class, 'unchanged');
});

void test('newly_denied: a deny rule in front; old and new verdicts name their rules', () => {
  const e = replayRecord(rec({ method: 'DELETE' }), policy([read]), policy([{ id: 'no-delete', action: 'deny', methods: ['DELETE'] }, read]));
  assert.equal(e.class, 'newly_denied');
  assert.deepEqual(e.old, { outcome: 'allow', rule: 'read', credential: null, route: null });
  assert.deepEqual(e.new, { outcome: 'deny', rule: 'no-delete', credential: null, route: null });
  // A GET is not touched by the new rule.
  assert.equal(replayRecord(rec(), policy([read]), policy([{ id: 'no-delete', action: 'deny', methods: ['DELETE'] }, read])).class, 'unchanged');
});

void test('newly_allowed: a request no rule allowed is allowed by the candidate', () => {
  const e = replayRecord(
    rec({ host: 'new.example.com', outcome: 'deny', reason: 'no_rule_matched', rule: 'default-deny' }),
    policy([read]),
    policy([read, { id: 'new', hosts: ['new.example.com'] }]),
  );
  assert.equal(e.class, 'newly_allowed');
  assert.equal(e.old?.rule, 'default-deny');
  assert.equal(e.new?.rule, 'new');
});

void test('approval_changed: allow against approve', () => {
  const e = replayRecord(rec(), policy([read]), policy([{ ...read, action: 'approve', approval: { approvers: ['ops@example.com'] } }]));
  assert.equal(e.class, 'approval_changed');
  assert.equal(e.new?.outcome, 'approve');
});

void test('credential_changed: another secret (names only, never values)', () => {
  const e = replayRecord(rec(), policy([cred('gh_old')]), policy([cred('gh_new')]));
  assert.equal(e.class, 'credential_changed');
  assert.deepEqual([e.old?.credential, e.new?.credential], ['gh_old', 'gh_new']);
  assert.equal(replayRecord(rec(), policy([read]), policy([cred('gh')])).class, 'credential_changed', 'none → one is a change too');
});

void test('route_changed: another route', () => {
  const e = replayRecord(rec(), policy([{ ...read, route: 'egress-a' }]), policy([{ ...read, route: 'egress-b' }]));
  assert.equal(e.class, 'route_changed');
  assert.deepEqual([e.old?.route, e.new?.route], ['egress-a', 'egress-b']);
});

void test('rule_changed: the same answer from another rule is not a change of answer', () => {
  const e = replayRecord(rec(), policy([read]), policy([{ id: 'read-all', hosts: ['*.example.com'] }]));
  assert.equal(e.class, 'rule_changed');
  // Two denies from different rules: the request is refused either way.
  assert.equal(
    classify({ outcome: 'deny', rule: 'a', credential: null, route: null }, { outcome: 'deny', rule: 'b', credential: null, route: null }),
    'rule_changed',
  );
});

void test('not_replayed: refused before the policy, listed with the reason', () => {
  const challenge = rec({ outcome: 'challenge', reason: 'identity_required', rule: null, who: null });
  const e = replayRecord(challenge, policy([read]), policy([]));
  assert.equal(e.class, 'not_replayed');
  assert.match(e.note ?? '', /identity_required/);
  const killed = replayRecord(rec({ outcome: 'deny', reason: 'gate_killed', rule: 'kill:all' }), policy([read]), policy([]));
  assert.equal(killed.class, 'not_replayed');
  const list = replayRecord(rec({ protocol: 'mcp', method: 'tools/list', tool: null, server: 'tickets' }), policy([read]), policy([]));
  assert.equal(list.class, 'not_replayed');
});

void test('undecidable: a labels rule that could decide, an argument condition, a redacted URL', () => {
  const labelled: RuleSpec = { id: 'prod-deny', action: 'deny', hosts: ['api.example.com'], labels: { env: 'prod' } };
  const e = replayRecord(rec(), policy([read]), policy([labelled, read]));
  assert.equal(e.class, 'undecidable');
  assert.match(e.note ?? '', /candidate policy: rule prod-deny matches on identity labels/);
  // A labels rule for another host cannot decide this request: replayed.
  assert.equal(replayRecord(rec(), policy([read]), policy([{ ...labelled, hosts: ['other.example.com'] }, read])).class, 'unchanged');

  const toolRec = rec({ protocol: 'mcp', method: 'tools/call', host: 'mcp.example.com', path: '/mcp', server: 'mcp.example.com', tool: 'fs.read', rule: 'fs' });
  const fs: RuleSpec = { id: 'fs', mcp: { servers: ['mcp.example.com'], tools: ['fs.*'] } };
  const fsArgs: RuleSpec = { id: 'fs-etc', action: 'deny', mcp: { servers: ['mcp.example.com'], tools: ['fs.read'], args: [{ path: 'path', under: '/etc' }] } };
  assert.equal(replayRecord(toolRec, policy([fs]), policy([fs])).class, 'unchanged');
  const t = replayRecord(toolRec, policy([fs]), policy([fsArgs, fs]));
  assert.equal(t.class, 'undecidable');
  assert.match(t.note ?? '', /arguments/);
  assert.equal(
    replayRecord(toolRec, policy([fs]), policy([{ id: 'no-fs', action: 'deny', mcp: { servers: ['mcp.example.com'], tools: ['fs.read'] } }, fs])).class,
    'newly_denied',
  );

  const redacted = rec({ outcome: 'deny', reason: 'dlp_blocked', findings: [{ type: 'aws_key', location: 'url.path', action: 'block' }] });
  assert.equal(replayRecord(redacted, policy([read]), policy([read])).class, 'undecidable');
});

void test('replayRecords counts every class and keeps the order of the trail', () => {
  const records = [rec(), rec({ method: 'DELETE' }), rec({ outcome: 'challenge', reason: 'identity_required', rule: null, who: null })];
  const r = replayRecords(records, policy([read], 'cur'), policy([{ id: 'no-delete', action: 'deny', methods: ['DELETE'] }, read], 'cand'));
  assert.equal(r.current, 'cur');
  assert.equal(r.candidate, 'cand');
  assert.deepEqual(
    r.entries.map((e) => e.class),
    ['unchanged', 'newly_denied', 'not_replayed'],
  );
  assert.equal(r.counts.newly_denied, 1);
  assert.equal(r.counts.unchanged, 1);
  assert.equal(r.counts.not_replayed, 1);
  assert.equal(r.counts.route_changed, 0);
});
