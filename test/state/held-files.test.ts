/**
 * Nothing in the gate may open and close one of its own SQLite files outside SQLite
 * (that drops every SQLite lock the process holds on it): a `file:` secret reference
 * that points at state.db (or its -shm) is refused, and after the attempt an operator's
 * `sqlite3` shell and another process's revocation still behave.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { SecretResolver } from '../../src/credentials/refs.js';
import { openRevocationStore } from '../../src/state/index.js';
import { openToolPinStore } from '../../src/state/tool-pins.js';
import { comparePins } from '../../src/inspect/mcp/pins.js';
import { waitFor } from '../helpers/cli-e2e.js';
import { exec } from '../helpers/exec.js';
import { distModule, runNode, tempDir } from '../identity/fixtures.js';

const principal = { tenant: 'acme', agent: 'bot', session: 'ses_held', tokenId: 'tok_held', issuedAt: 0, expiresAt: Number.MAX_SAFE_INTEGER } as const;

void test("a file: secret pointing at the gate's state.db is refused, and the gate's locks survive", async () => {
  const dir = await tempDir();
  // As the gate does: two stores on the same file.
  const revocations = await openRevocationStore(dir, { onError: () => undefined });
  const pins = openToolPinStore(dir, { compare: comparePins });
  try {
    const resolver = new SecretResolver({ reveal: () => undefined, list: () => [] }, { baseDir: dir, env: {} });
    for (const ref of ['file:state.db', 'file:./state.db-shm']) {
      assert.throws(
        () => resolver.resolve(ref),
        (err: Error & { reason?: string }) => {
          assert.equal(err.reason, 'credential_unavailable');
          assert.match(err.message, /one of the gate's own database files/);
          return true;
        },
      );
    }
    // The shell closes as if it were the last connection unless our locks are intact.
    const q = await exec('sqlite3', [join(dir, 'state.db'), 'SELECT count(*) FROM revocations;'], { timeoutMs: 10_000 });
    assert.equal(q.code, 0, q.stderr);
    const r = await runNode(`
      const { openRevocationStore } = await import(${JSON.stringify(distModule('state/index.js'))});
      const s = await openRevocationStore(${JSON.stringify(dir)}, { watch: false });
      await s.revoke({ kind: 'session', value: 'ses_held' });
      await s.close();`);
    assert.equal(r.code, 0, r.stderr);
    await waitFor('the revocation to reach this process', () => revocations.isRevoked(principal as never) ?? undefined, 3000);
  } finally {
    await pins.close();
    await revocations.close();
  }
});
