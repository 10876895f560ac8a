/**
 * `action: approve` in the policy: the decision carries the compiled approval (roles
 * expanded, config defaults applied), explain says who approves, an unknown role fails
 * the load, `approval:` without `action: approve` is refused by the schema, and an
 * approve tool rule keeps its tool listed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { compileConfigPolicy } from '../../src/policy/compile.js';
import { decide } from '../../src/policy/decide.js';
import { decideTool, isToolListed } from '../../src/policy/decide-tool.js';
import { explainApproval, mayApprove } from '../../src/policy/approval.js';

const who = { tenant: 'acme', agent: 'bot', session: 's1', human: null, labels: {} };
const policyOf = (yaml: string): ReturnType<typeof compileConfigPolicy> => {
  const { config, version } = parseConfig(`version: 1\n${yaml}`, '/etc/sluice/sluice.yaml');
  return compileConfigPolicy(config, version);
};

void test('an approve rule decides approve, with its approvers, roles expanded and defaults applied', () => {
  const policy = policyOf(`rules:
  - id: deploy
    hosts: [deploy.test]
    action: approve
    approval: { approvers: [alice], roles: [oncall], timeout: 5m }
    tags: [critical]
approvals:
  hold: 10s
  mode: hold
  roles: { oncall: [bob, carol] }
`);
  const d = decide({ scheme: 'https', host: 'deploy.test', port: 443, method: 'POST', path: '/' }, who, policy);
  assert.equal(d.outcome, 'approve');
  assert.equal(d.reason, 'rule_approve');
  assert.equal(d.critical, true);
  assert.deepEqual(d.approval, {
    approvers: ['alice'],
    roles: ['oncall'],
    allowed: ['alice', 'bob', 'carol'],
    timeoutMs: 300_000,
    holdMs: 10_000,
    mode: 'hold',
  });
  assert.equal(
    explainApproval(d.approval),
    'needs a human approval from alice, role oncall (alice, bob, carol); held up to 10s while an approver decides; expires after 300s',
  );
  assert.equal(mayApprove(d.approval, 'bob'), true);
  assert.equal(mayApprove(d.approval, 'mallory'), false);
});

void test('an unknown role fails the load; approval without action: approve is refused', () => {
  assert.throws(
    () => policyOf(`rules:\n  - id: x\n    action: approve\n    approval: { roles: [nobody] }\n`),
    /approval role 'nobody' is not defined in approvals.roles/,
  );
  assert.throws(() => policyOf(`rules:\n  - id: x\n    approval: { approvers: [alice] }\n`), /'approval' goes with 'action: approve'/);
});

void test('an approve tool rule decides approve and keeps the tool listed', () => {
  const policy = policyOf(`rules:
  - id: t
    action: approve
    mcp: { tools: [tickets.delete] }
`);
  const server = { host: 'mcp.test' };
  const d = decideTool({ server, tool: 'tickets.delete', args: {} }, who, policy);
  assert.equal(d.outcome, 'approve');
  assert.equal(d.approval?.mode, 'ask');
  assert.equal(isToolListed(server, 'tickets.delete', who, policy), true);
});
