import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { issueToken } from '../../src/identity/tokens.js';
import { openRevocationStore } from '../../src/state/index.js';
import type { RevocationEntry, RevocationStore } from '../../src/state/index.js';
import { configDir, distModule, runCli, runNode, tempDir } from '../identity/fixtures.js';

const { privateKey: key } = generateKeyPairSync('ed25519');
/** How long after the writer exits the watching store may take to notice. The poll is 100 ms. */
const NOTICE_BOUND_MS = 1000;

/** Resolves with the first onChange batch matching `pred`, or rejects after the bound. */
function nextChange(store: RevocationStore, pred: (e: RevocationEntry) => boolean): { seen: Promise<RevocationEntry>; startBound(): void } {
  let startBound = (): void => undefined;
  let timer: NodeJS.Timeout | undefined;
  let done = false;
  const seen = new Promise<RevocationEntry>((resolve, reject) => {
    const off = store.onChange((added) => {
      const hit = added.find(pred);
      if (hit !== undefined) {
        off();
        done = true;
        clearTimeout(timer);
        resolve(hit);
      }
    });
    // Not unref'd: the store's poll timer is (it must never keep a gate alive), so this
    // timer is what keeps the test's event loop running while it waits.
    startBound = () => {
      if (done) return;
      timer = setTimeout(() => {
        off();
        reject(new Error(`no onChange within ${NOTICE_BOUND_MS} ms of the other process committing`));
      }, NOTICE_BOUND_MS);
    };
  });
  return { seen, startBound };
}

void test('a revocation written by another process reaches this store (onChange and isRevoked) within the bound', async () => {
  const dir = await tempDir();
  const store = await openRevocationStore(dir); // default: polls data_version every 100 ms
  const { principal } = await issueToken(key, { tenant: 'acme', agent: 'bot' });
  assert.equal(store.isRevoked(principal), null);
  const wait = nextChange(store, (e) => e.value === principal.session);
  const r = await runNode(`
    const { openRevocationStore } = await import(${JSON.stringify(distModule('state/index.js'))});
    const s = await openRevocationStore(${JSON.stringify(dir)}, { watch: false });
    const e = await s.revoke({ kind: 'session', value: ${JSON.stringify(principal.session)}, reason: 'from another process' });
    await s.close();
    process.stdout.write(JSON.stringify(e));`);
  assert.equal(r.code, 0, r.stderr);
  wait.startBound();
  const seen = await wait.seen;
  assert.deepEqual(seen, JSON.parse(r.stdout));
  assert.equal(seen.reason, 'from another process');
  assert.equal(store.isRevoked(principal)?.id, seen.id);
  assert.equal(store.list().length, 1);
  await store.close();
});

void test('sluice revoke (the CLI, another process) reaches a running store within the bound', async () => {
  const { dir, configFile } = await configDir();
  const store = await openRevocationStore(dir, { pollMs: 100 });
  const { principal } = await issueToken(key, { tenant: 'acme', agent: 'billing-bot' });
  const wait = nextChange(store, (e) => e.kind === 'agent');
  const r = await runCli('revoke', ['--agent', 'billing-bot', '--tenant', 'acme', '--reason', 'key leaked', '--config', configFile]);
  assert.equal(r.code, 0, r.stderr);
  wait.startBound();
  const seen = await wait.seen;
  assert.equal(seen.value, 'billing-bot');
  assert.equal(seen.tenant, 'acme');
  assert.equal(store.isRevoked(principal)?.id, seen.id);
  await store.close();
});

void test('several processes opening a fresh state.db at once all migrate and write without SQLITE_BUSY', async () => {
  const dir = await tempDir();
  const n = 6;
  const results = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      runNode(`
        const { openRevocationStore } = await import(${JSON.stringify(distModule('state/index.js'))});
        const s = await openRevocationStore(${JSON.stringify(dir)}, { watch: false });
        await s.revoke({ kind: 'token', value: 'jti-${i}' });
        await s.close();`),
    ),
  );
  for (const r of results) assert.equal(r.code, 0, r.stderr);
  const store = await openRevocationStore(dir, { watch: false });
  assert.deepEqual(
    store
      .list()
      .map((e) => e.value)
      .sort(),
    Array.from({ length: n }, (_, i) => `jti-${i}`).sort(),
  );
  await store.close();
});
