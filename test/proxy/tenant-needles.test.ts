import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SecretResolver } from '../../src/credentials/refs.js';
import { reflectionNeedles } from '../../src/credentials/reflection-needles.js';
import { compilePolicy } from '../../src/policy/compile.js';
import { TenantNeedles } from '../../src/proxy/tenant-needles.js';

const values: Record<string, string> = { shared: 'shared-secret-value-0001', acme: 'acme-secret-value-0002', globex: 'globex-secret-value-0003' };
const store = {
  reveal: (name: string): Buffer | undefined => (values[name] === undefined ? undefined : Buffer.from(values[name])),
  list: () => Object.keys(values).map((name) => ({ name })),
};

const policy = compilePolicy(
  [
    { id: 'shared', hosts: ['a.test'], credential: { secret: 'shared', header: 'x-key', value: '{{secret}}' } },
    { id: 'acme', tenants: ['acme*'], hosts: ['b.test'], credential: { secret: 'acme', placeholder: { in: ['body'] } } },
    { id: 'globex', tenants: ['globex'], hosts: ['c.test'], credential: { secret: 'globex', header: 'x-key', value: '{{secret}}' } },
    { id: 'unset', tenants: ['acme'], hosts: ['d.test'], credential: { secret: 'missing', header: 'x-key', value: '{{secret}}' } },
    { id: 'public', hosts: ['e.test'] },
  ],
  'v1',
);

const has = (needles: readonly Buffer[], v: string): boolean => needles.some((n) => n.equals(Buffer.from(v)));

test('a tenant gets the needles of every secret its rules can inject, and no other tenant’s', () => {
  const t = new TenantNeedles(policy, new SecretResolver(store, { baseDir: '/' }));
  const acme = t.forTenant('acme-eu');
  assert.ok(has(acme, values.shared!) && has(acme, values.acme!));
  assert.ok(!has(acme, values.globex!));
  const globex = t.forTenant('globex');
  assert.ok(has(globex, values.shared!) && has(globex, values.globex!) && !has(globex, values.acme!));
  const anonymous = t.forTenant(null);
  assert.ok(has(anonymous, values.shared!) && !has(anonymous, values.acme!) && !has(anonymous, values.globex!));
  // The same frozen array each time: the scrubber's cleaned needles are cached on it.
  assert.equal(t.forTenant('acme-eu'), acme);
  assert.ok(Object.isFrozen(acme));
});

test('a value the injector resolves fresh (a rotated secret) replaces the old one in every set', () => {
  const t = new TenantNeedles(policy, new SecretResolver(store, { baseDir: '/' }));
  const spec = policy.rules.find((r) => r.id === 'acme')!.credential!;
  const rotated = 'acme-rotated-value-0004';
  const after = t.injected('acme', spec, reflectionNeedles(Buffer.from(rotated), spec));
  assert.ok(has(after, rotated) && !has(after, values.acme!));
  assert.ok(has(t.forTenant('acme'), rotated));
});
