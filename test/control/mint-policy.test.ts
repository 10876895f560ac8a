import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configSchema } from '../../src/config/schema.js';
import { mayMint } from '../../src/control/mint-policy.js';

const GATE = 990;
const grants = [
  { uid: 1001, tenant: 'acme', agent: 'intern-*' },
  { uid: 1001, tenant: 'lab', agent: 'probe' },
  { uid: 1002, tenant: '*', agent: '*' },
];

void test('the gate user and root may mint any identity, with no grant', () => {
  for (const uid of [GATE, 0]) assert.deepEqual(mayMint({ uid }, { tenant: 'any', agent: 'thing' }, [], GATE), { ok: true });
});

void test('another uid may mint only what a grant names (globs on tenant and agent)', () => {
  assert.deepEqual(mayMint({ uid: 1001 }, { tenant: 'acme', agent: 'intern-bot' }, grants, GATE), { ok: true });
  assert.deepEqual(mayMint({ uid: 1001 }, { tenant: 'lab', agent: 'probe' }, grants, GATE), { ok: true });
  assert.deepEqual(mayMint({ uid: 1002 }, { tenant: 'x', agent: 'y' }, grants, GATE), { ok: true });
  const refused = mayMint({ uid: 1001 }, { tenant: 'acme', agent: 'support-bot' }, grants, GATE);
  assert.equal(refused.ok, false);
  assert.equal(
    !refused.ok && refused.reason,
    'uid 1001 may not mint tenant acme, agent support-bot: control.mint grants it only: tenant acme agent intern-*; tenant lab agent probe',
  );
  // The tenant is checked too, not only the agent.
  assert.equal(mayMint({ uid: 1001 }, { tenant: 'lab', agent: 'intern-bot' }, grants, GATE).ok, false);
});

void test('a uid with no grant gets nothing, and the reason says so', () => {
  const v = mayMint({ uid: 4242 }, { tenant: 'default', agent: 'default' }, grants, GATE);
  assert.equal(!v.ok && v.reason, "uid 4242 may not mint tenant default, agent default: control.mint in the gate's config grants this uid nothing");
});

void test('control: section: defaults, and grants validated with readable errors', () => {
  const ok = configSchema.parse({ version: 1, control: { mint: [{ uid: 1001, tenant: 'acme', agent: 'bot-*' }] } });
  assert.deepEqual(ok.control.mint, [{ uid: 1001, tenant: 'acme', agent: 'bot-*' }]);
  assert.deepEqual(configSchema.parse({ version: 1 }).control, { mint: [] });
  const bad = configSchema.safeParse({ version: 1, control: { mint: [{ uid: 'bob', tenant: 'a b', agent: 'x', extra: 1 }] } });
  assert.equal(bad.success, false);
  const text = JSON.stringify(bad.error?.issues);
  assert.match(text, /expected a numeric user id/);
  assert.match(text, /expected a tenant or agent name/);
  assert.match(text, /allowed keys: uid, tenant, agent/);
});
