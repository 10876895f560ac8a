/**
 * A gate whose event loop was blocked serves the requests queued meanwhile before its
 * poll timer runs. The revocation store then polls itself: a snapshot older than three
 * poll intervals is never trusted for an answer.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { issueToken } from '../../src/identity/tokens.js';
import { openRevocationStore } from '../../src/state/index.js';
import { tempDir } from '../identity/fixtures.js';

const { privateKey: key } = generateKeyPairSync('ed25519');

void test('after a blocked event loop, isRevoked sees a revocation another connection committed meanwhile, before any timer runs', async () => {
  const dir = await tempDir();
  const gate = await openRevocationStore(dir, { pollMs: 100 });
  const writer = await openRevocationStore(dir, { watch: false });
  const { principal } = await issueToken(key, { tenant: 'acme', agent: 'bot' });
  assert.equal(gate.isRevoked(principal), null);
  // From here to the check, no timer can run: the loop is blocked, as by a long task.
  void writer.revoke({ kind: 'session', value: principal.session });
  const until = Date.now() + 400;
  while (Date.now() < until) {
    // busy: the event loop is blocked
  }
  assert.equal(gate.isRevoked(principal)?.value, principal.session);
  await writer.close();
  await gate.close();
});
