import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openRevocationStore } from '../../src/state/index.js';
import { configDir, runCli } from '../identity/fixtures.js';

void test('sluice revoke: each kind prints what was revoked and records it', async () => {
  const { dir, configFile } = await configDir();
  const s = await runCli('revoke', ['--session', 'ses_abc', '--config', configFile]);
  assert.equal(s.code, 0, s.stderr);
  assert.match(s.stdout, /^revoked session ses_abc \(permanent, at \d{4}-\d\d-\d\dT[\d:.]+Z\)\n$/);
  const a = await runCli('revoke', ['--agent', 'bot', '--tenant', 'acme', '--reason', 'rotated', '--config', configFile]);
  assert.equal(a.code, 0, a.stderr);
  assert.match(a.stdout, /^revoked agent bot in tenant acme: tokens issued up to \S+Z are refused; reason: rotated\n$/);
  const t = await runCli('revoke', ['--token-id', 'Zm9vYmFy_-', '--config', configFile]);
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stdout, /^revoked token Zm9vYmFy_- \(permanent/);
  const store = await openRevocationStore(dir, { watch: false });
  assert.deepEqual(
    store.list().map((e) => [e.kind, e.value, e.tenant, e.reason]),
    [
      ['session', 'ses_abc', null, null],
      ['agent', 'bot', 'acme', 'rotated'],
      ['token', 'Zm9vYmFy_-', null, null],
    ],
  );
  await store.close();
});

void test('sluice revoke: exactly one target, valid names, a config that exists (exit 2 otherwise)', async () => {
  const { dir, configFile } = await configDir();
  const cases: Array<[string[], RegExp]> = [
    [[], /exactly one of --session, --agent, --token-id/],
    [['--session', 's', '--agent', 'a'], /exactly one of/],
    [['--tenant', 'acme'], /exactly one of/],
    [['--agent', 'has space'], /^--agent: expected 1-128 characters/m],
    [['--agent', 'a', '--tenant', 'a/b'], /^--tenant: /m],
    [['--agent', 'a', '--bogus'], /Unknown option '--bogus'/],
  ];
  for (const [args, err] of cases) {
    const r = await runCli('revoke', [...args, '--config', configFile]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, err);
    assert.equal(r.stdout, '');
  }
  const missing = await runCli('revoke', ['--agent', 'a', '--config', `${dir}/nope.yaml`]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /config file not found/);
  const store = await openRevocationStore(dir, { watch: false });
  assert.deepEqual(store.list(), []);
  await store.close();
});
