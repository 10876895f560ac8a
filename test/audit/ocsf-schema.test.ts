import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditRecord } from '../../src/audit/fields.js';
import { OCSF_VERSION, toOcsf, type OcsfEvent } from '../../src/audit/ocsf/map.js';
import { makeRecord } from './fixtures.js';
import { ocsfValidators } from './ocsf-helpers.js';

/** Records of every kind the gate writes. */
function samples(): AuditRecord[] {
  return [
    makeRecord(0),
    makeRecord(1, {
      method: 'POST',
      outcome: 'deny',
      reason: 'dlp_blocked',
      status: 403,
      rule: null,
      findings: [{ type: 'aws_access_key', location: 'body', action: 'block', encoding: 'base64', detail: 'AWS access key id' }],
    }),
    makeRecord(2, { method: 'CONNECT', transport: 'tunnel', path: '', port: 443, status: 200, address: '[2001:db8::1]:443' }),
    makeRecord(3, {
      method: 'PROPFIND',
      outcome: 'error',
      reason: 'upstream_body_reset',
      error: 'upstream_body_reset',
      status: 502,
      agent: null,
      tenant: null,
      session: null,
    }),
    makeRecord(4, { method: '', outcome: 'deny', reason: 'overloaded', status: 503, host: '', port: 0, path: '', address: null }),
    makeRecord(5, {
      protocol: 'mcp',
      method: 'tools/call',
      server: 'tickets',
      tool: 'tickets.create',
      parent_id: 'parent-1',
      findings: [{ type: 'prompt_injection', location: 'result', action: 'redact' }],
    }),
    makeRecord(6, { protocol: 'mcp', method: 'tools/list', server: 'tickets', tool: null, outcome: 'deny', reason: 'mcp_tool_changed', status: 200 }),
    makeRecord(7, { chain_id: 'c-1', chain_seq: 7, chain_prev: '0'.repeat(64), chain_hash: 'ab'.repeat(32), outcome: 'would_deny', reason: 'no_rule_matched' }),
  ];
}

void test(`every event emitted validates against the shipped OCSF ${OCSF_VERSION} schema for its class`, () => {
  const { check } = ocsfValidators();
  const seen = new Set<number>();
  for (const r of samples()) {
    for (const e of toOcsf(r)) {
      seen.add(e.class_uid);
      assert.equal(check(e), null, `${r.decision_id} class ${e.class_uid}: ${check(e)}\n${JSON.stringify(e)}`);
      assert.equal(e.type_uid, e.class_uid * 100 + (e.activity_id as number));
      assert.equal((e.metadata as { version: string }).version, '1.3.0');
    }
  }
  assert.deepEqual([...seen].sort(), [2004, 4002, 6003]);
});

void test('the mapping: method to activity, outcome to action and status, findings to Detection Findings, the chain under unmapped', () => {
  const all = samples();
  const [get] = toOcsf(makeRecord(0));
  assert.equal(get!.class_uid, 4002);
  assert.equal(get!.activity_id, 3);
  assert.equal(get!.action_id, 1);
  assert.equal(get!.status_id, 1);
  const [deny, finding] = toOcsf(all[1]!);
  assert.equal(deny!.activity_id, 6);
  assert.equal(deny!.action_id, 2);
  assert.equal(deny!.status_id, 2);
  assert.equal(finding!.class_uid, 2004);
  assert.equal(finding!.severity_id, 4);
  assert.equal((finding!.finding_info as { related_events: { uid: string }[] }).related_events[0]!.uid, all[1]!.decision_id);
  const [tool] = toOcsf(samples()[5]!);
  assert.equal(tool!.class_uid, 6003);
  assert.equal((tool!.api as { operation: string }).operation, 'tickets.create');
  const [chained] = toOcsf(samples()[7]!);
  assert.deepEqual((chained!.unmapped as { sluice: Record<string, unknown> }).sluice.chain_seq, 7);
  const [tunnel] = toOcsf(samples()[2]!);
  assert.equal((tunnel!.dst_endpoint as { ip: string }).ip, '2001:db8::1');
});

void test('wrong events fail validation (the schemas are not vacuous)', () => {
  const { check } = ocsfValidators();
  const good = (): OcsfEvent => structuredClone(toOcsf(samples()[1]!)[0]!);
  const goodFinding = (): OcsfEvent => structuredClone(toOcsf(samples()[1]!)[1]!);
  const goodApi = (): OcsfEvent => structuredClone(toOcsf(samples()[5]!)[0]!);
  const wrong: [string, OcsfEvent][] = [
    ['no metadata', (({ metadata: _m, ...e }) => e)(good())],
    ['type_uid not class*100+activity', { ...good(), type_uid: 400210 }],
    ['an attribute OCSF does not define', { ...good(), secret_value: 'x' }],
    ['time as an ISO string', { ...good(), time: new Date().toISOString() as unknown as number }],
    ['http_response without code', { ...good(), http_response: {} }],
    ['another schema version', { ...good(), metadata: { ...(good().metadata as object), version: '1.0.0' } }],
    ['finding without finding_info.uid', { ...goodFinding(), finding_info: { title: 'x' } }],
    ['finding with a wrong category', { ...goodFinding(), category_uid: 4 }],
    ['API activity without actor', (({ actor: _a, ...e }) => e)(goodApi())],
    ['API activity without api.operation', { ...goodApi(), api: { service: { name: 'x' } } }],
    ['unknown class', { ...good(), class_uid: 4001 }],
  ];
  for (const [what, e] of wrong) assert.notEqual(check(e), null, `${what} should fail`);
});
