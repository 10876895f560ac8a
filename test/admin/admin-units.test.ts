/**
 * The admin API's pure parts: operator tokens (mint, verify, every refusal), role
 * order, route matching, the line diff of config versions.
 */
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { matchRoute } from '../../src/admin/match.js';
import { mintOperatorToken, OperatorTokenError, verifyOperatorToken } from '../../src/admin/operator-token.js';
import { roleAllows } from '../../src/admin/roles.js';
import { ROUTES } from '../../src/admin/routes/index.js';
import { lineDiff } from '../../src/admin/line-diff.js';
import { issueToken } from '../../src/identity/tokens.js';

const DAY = 86_400_000;

test('an operator token verifies to its name, role and id; a refusal says which kind', async () => {
  const { privateKey } = generateKeyPairSync('ed25519');
  const pub = createPublicKey(privateKey);
  const { token, identity } = await mintOperatorToken(privateKey, { name: 'alice', role: 'approver', ttlMs: DAY });
  assert.match(identity.tokenId, /^opr_/);
  assert.deepEqual(await verifyOperatorToken(pub, token, { maxTtlMs: 7 * DAY }), identity);
  const code = async (t: string, max = 7 * DAY): Promise<string> =>
    verifyOperatorToken(pub, t, { maxTtlMs: max }).then(
      () => 'accepted',
      (e: unknown) => (e instanceof OperatorTokenError ? e.code : String(e)),
    );
  assert.equal(await code(token, DAY - 1000), 'operator_token_invalid', 'longer than max_token_ttl');
  assert.equal(
    await code((await mintOperatorToken(privateKey, { name: 'a', role: 'admin', ttlMs: 1000, now: Date.now() - DAY })).token),
    'operator_token_expired',
  );
  const other = generateKeyPairSync('ed25519').privateKey;
  assert.equal(await code((await mintOperatorToken(other, { name: 'a', role: 'admin', ttlMs: DAY })).token), 'operator_token_invalid');
  // An agent token signed with the very same key is still not an operator token (issuer, audience, claims).
  assert.equal(await code((await issueToken(privateKey, { tenant: 't', agent: 'a', ttlMs: 60_000 })).token), 'operator_token_invalid');
  assert.equal(await code(`${token.slice(0, -4)}AAAA`), 'operator_token_invalid');
  await assert.rejects(mintOperatorToken(privateKey, { name: 'bad name', role: 'admin', ttlMs: DAY }), RangeError);
  await assert.rejects(mintOperatorToken(privateKey, { name: 'a', role: 'root' as 'admin', ttlMs: DAY }), RangeError);
});

test('roles are ordered: auditor < approver < admin', () => {
  assert.ok(roleAllows('admin', 'approver') && roleAllows('approver', 'auditor') && roleAllows('auditor', 'auditor'));
  assert.ok(!roleAllows('auditor', 'approver') && !roleAllows('approver', 'admin'));
});

test('route matching: literal segments before parameters; other methods are named', () => {
  const m = matchRoute(ROUTES, 'GET', '/api/v1/decisions/stream');
  assert.equal(m.route?.id, 'decisions.stream');
  const p = matchRoute(ROUTES, 'POST', '/api/v1/approvals/apr_1%2Fx/approve');
  assert.equal(p.route?.id, 'approvals.approve');
  assert.deepEqual(p.route === null ? null : p.params, { id: 'apr_1/x' });
  const wrong = matchRoute(ROUTES, 'PUT', '/api/v1/kill');
  assert.equal(wrong.route, null);
  assert.deepEqual(wrong.route === null ? wrong.allowed.sort() : [], ['GET', 'POST']);
  assert.equal(matchRoute(ROUTES, 'GET', '/api/v1/approvals/').route, null);
});

test('line diff: changed lines with their context position; equal texts give nothing', () => {
  assert.equal(lineDiff('a\nb\nc\n', 'a\nb\nc\n'), '');
  assert.equal(lineDiff('a\nb\nc\n', 'a\nx\nc\n'), '@@ -2,1 +2,1 @@\n-b\n+x\n');
  assert.equal(lineDiff('a\nc\n', 'a\nb\nc\n'), '@@ -2,0 +2,1 @@\n+b\n');
  const d = lineDiff('r1\nr2\nr3\nr4\n', 'r0\nr2\nr4\nr5\n');
  assert.deepEqual(
    d.split('\n').filter((l) => /^[-+ ]/.test(l)),
    ['-r1', '+r0', ' r2', '-r3', ' r4', '+r5'],
  );
});
