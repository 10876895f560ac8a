import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeJwt } from 'jose';
import { ensureTokenKeys, loadVerifyKey } from '../../src/identity/keys.js';
import { mintRunToken } from '../../src/identity/mint-run-token.js';
import { TokenVerifier } from '../../src/identity/tokens.js';
import { configDir, runCli } from './fixtures.js';

void test("sluice token prints only the token and a newline; it verifies with the data dir's public key", async () => {
  const { dir, configFile } = await configDir();
  await ensureTokenKeys(dir);
  const r = await runCli('token', [
    '--tenant',
    'acme',
    '--agent',
    'bot',
    '--session',
    'ses_cli',
    '--human',
    'alice@example.com',
    '--label',
    'team=payments',
    '--label',
    'env=prod',
    '--ttl',
    '1h30m',
    '--config',
    configFile,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.match(r.stdout, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\n$/);
  const token = r.stdout.trim();
  const p = await new TokenVerifier(await loadVerifyKey(dir)).verify(token);
  assert.equal(p.tenant, 'acme');
  assert.equal(p.agent, 'bot');
  assert.equal(p.session, 'ses_cli');
  assert.equal(p.human, 'alice@example.com');
  assert.deepEqual({ ...p.labels }, { team: 'payments', env: 'prod' });
  assert.equal(p.expiresAt - p.issuedAt, 90 * 60_000);
  assert.match(p.policyVersion ?? '', /^[0-9a-f]{12}$/, 'the config version is recorded as pv');
  // Defaults: a new session and 15 minutes.
  const d = await runCli('token', ['--tenant', 'acme', '--agent', 'bot', '--config', configFile]);
  assert.equal(d.code, 0, d.stderr);
  const claims = decodeJwt(d.stdout.trim());
  assert.match(String(claims.sid), /^ses_[0-9a-f]{16}$/);
  assert.equal(Number(claims.exp) - Number(claims.iat), 900);
});

void test('sluice token: usage errors exit 2 without printing a token; a missing key says to run sluice init', async () => {
  const { dir, configFile } = await configDir();
  const noKey = await runCli('token', ['--tenant', 'acme', '--agent', 'bot', '--config', configFile]);
  assert.equal(noKey.code, 1);
  assert.match(noKey.stderr, /token signing key not found at .*token-key\.pem; run 'sluice init'/);
  assert.equal(noKey.stdout, '');
  await ensureTokenKeys(dir);
  const cases: Array<[string[], RegExp]> = [
    [['--agent', 'bot'], /--tenant and --agent are required/],
    [['--tenant', 'acme', '--agent', 'bot', '--ttl', '25h'], /^--ttl: .*longer than the 24h maximum/m],
    [['--tenant', 'acme', '--agent', 'bot', '--ttl', '15'], /^--ttl: '15' has no unit/m],
    [['--tenant', 'a b', '--agent', 'bot'], /^--tenant: expected 1-128/m],
    [['--tenant', 'acme', '--agent', 'bot', '--label', 'noequals'], /--label: expected k=v/],
    [['--tenant', 'acme', '--agent', 'bot', '--label', 'k=v', '--label', 'k=w'], /--label: 'k' given twice/],
    [['--tenant', 'acme', '--agent', 'bot', '--label', 'k=a b'], /^--label\.k: /m],
  ];
  for (const [args, err] of cases) {
    const r = await runCli('token', [...args, '--config', configFile]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, err);
    assert.equal(r.stdout, '');
  }
});

void test('mintRunToken: a fresh session per run, verifiable, ttl honoured', async () => {
  const { dir } = await configDir();
  await ensureTokenKeys(dir);
  const a = await mintRunToken(dir, { tenant: 'acme', agent: 'bot', human: 'alice', ttlMs: 3_600_000 });
  const b = await mintRunToken(dir, { tenant: 'acme', agent: 'bot' });
  assert.notEqual(a.session, b.session);
  const v = new TokenVerifier(await loadVerifyKey(dir));
  const p = await v.verify(a.token);
  assert.equal(p.session, a.session);
  assert.equal(p.human, 'alice');
  assert.equal(p.expiresAt - p.issuedAt, 3_600_000);
  assert.equal((await v.verify(b.token)).expiresAt - (await v.verify(b.token)).issuedAt, 15 * 60_000);
});
