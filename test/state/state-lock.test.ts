/**
 * The serving connections to state.db never wait long for another process's lock:
 * with a write lock held elsewhere, a pin check (a write on the gate's event loop)
 * fails closed with state_unavailable "locked by another process" instead of blocking
 * the loop for the 5 s a CLI may wait, while revocation reads go on; and pins refuse
 * to be written into a state.db that was replaced under them.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFile, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { SluiceError } from '../../src/errors.js';
import { openRevocationStore } from '../../src/state/index.js';
import { openToolPinStore } from '../../src/state/tool-pins.js';
import { comparePins } from '../../src/inspect/mcp/pins.js';
import { waitFor } from '../helpers/cli-e2e.js';
import { tempDir } from '../identity/fixtures.js';

const TOOLS = [{ name: 'create', description: 'make a ticket', inputSchema: { type: 'object' } }];
const principal = { tenant: 'acme', agent: 'bot', session: 'ses_lock', tokenId: 'tok_lock', issuedAt: 0, expiresAt: Number.MAX_SAFE_INTEGER } as const;

/** Another process holding the write lock on `file` (BEGIN EXCLUSIVE) until release(). */
async function holdWriteLock(file: string): Promise<() => Promise<void>> {
  const sqlite = createRequire(import.meta.url).resolve('better-sqlite3');
  const child = spawn(
    process.execPath,
    [
      '-e',
      `const D = require(${JSON.stringify(sqlite)}); const db = new D(${JSON.stringify(file)});
       db.exec('BEGIN EXCLUSIVE; CREATE TABLE IF NOT EXISTS lock_probe (x); INSERT INTO lock_probe VALUES (1);');
       process.stdout.write('held\\n'); process.stdin.resume();
       process.stdin.on('end', () => { db.exec('ROLLBACK'); db.close(); });`,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    void exited.then(() => reject(new Error('the lock holder exited')));
  });
  return async () => {
    child.stdin.end();
    await exited;
  };
}

function isLocked(err: unknown): boolean {
  assert.ok(err instanceof SluiceError, String(err));
  assert.equal(err.code, 'SLUICE_STATE_UNAVAILABLE');
  assert.equal(err.details.cause, 'locked');
  assert.match(err.message, /state\.db: state database locked by another process \(SQLITE_BUSY/);
  return true;
}

void test('a write lock held by another process: a pin check fails closed as "locked", revocation reads go on', async () => {
  const dir = await tempDir();
  const revocations = await openRevocationStore(dir, { onError: () => undefined });
  const pins = openToolPinStore(dir, { compare: comparePins });
  const release = await holdWriteLock(join(dir, 'state.db'));
  try {
    await assert.rejects(pins.pinIfFirst('acme', 'tickets', TOOLS), isLocked);
    await assert.rejects(pins.check('acme', 'tickets', TOOLS), isLocked);
    assert.equal(revocations.isRevoked(principal as never), null);
  } finally {
    await release();
  }
  assert.equal(await pins.pinIfFirst('acme', 'tickets', TOOLS), true);
  await pins.close();
  await revocations.close();
});

void test('pins are not written into a state.db replaced under the store', async () => {
  const dir = await tempDir();
  const pins = openToolPinStore(dir, { compare: comparePins });
  const db = join(dir, 'state.db');
  await copyFile(db, `${db}.copy`);
  await rename(`${db}.copy`, db);
  await assert.rejects(pins.pinIfFirst('acme', 'tickets', TOOLS), (err: unknown) => {
    assert.ok(err instanceof SluiceError);
    assert.equal(err.details.cause, 'replaced');
    return true;
  });
  await pins.close();
});

void test('a removed state.db: isRevoked refuses naming the removal, and still names it once the stale bound has passed', async () => {
  const dir = await tempDir();
  const reported: unknown[] = [];
  const store = await openRevocationStore(dir, { pollMs: 20, maxStaleMs: 50, onError: (e) => reported.push(e) });
  try {
    await rm(join(dir, 'state.db'));
    const first = await waitFor('isRevoked to refuse', () => {
      try {
        store.isRevoked(principal as never);
        return undefined;
      } catch (err) {
        return err;
      }
    });
    assert.ok(first instanceof SluiceError && first.details.cause === 'removed', String(first));
    // Well past maxStaleMs (50 ms) and many polls later: the same precise refusal, reported once.
    await new Promise((r) => setTimeout(r, 300));
    assert.throws(
      () => store.isRevoked(principal as never),
      (err: unknown) => err instanceof SluiceError && err.details.cause === 'removed',
    );
    assert.equal(reported.length, 1, reported.map(String).join('\n'));
  } finally {
    await store.close();
  }
});
