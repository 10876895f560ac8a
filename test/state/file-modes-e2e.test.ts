/**
 * The files a running gate creates hold agents, hosts, paths and revocations: each is
 * the gate user's only (0600), SQLite's -wal and -shm included, and the log file.
 * An audit database that cannot be opened stops `sluice start` with a message that
 * names the file and the cause (exit 1), not a stack trace.
 */
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { waitFor } from '../helpers/cli-e2e.js';
import { initDir, sluice, startCliGate, type CliGate } from '../helpers/cli.js';

const gates: CliGate[] = [];
after(async () => {
  for (const g of gates) await g.stop();
});

/** One request through the gate without a token: refused (407) and audited. */
function unauthenticated(gate: CliGate): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: gate.port, path: 'http://example.test/', headers: { host: 'example.test' } });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

void test('state.db, audit.db, their -wal and -shm, and the log file are created 0600 (under umask 022)', async () => {
  const d = await initDir();
  const cfg = await readFile(d.configFile, 'utf8');
  await writeFile(d.configFile, cfg.replace(/^ {2}# file: sluice\.log.*$/m, '  file: sluice.log'));
  const old = process.umask(0o022);
  let gate: CliGate;
  try {
    gate = await startCliGate(d.configFile); // the child inherits umask 022
  } finally {
    process.umask(old);
  }
  gates.push(gate);
  assert.equal(await unauthenticated(gate), 407);
  const files = ['state.db', 'state.db-wal', 'state.db-shm', 'audit.db', 'audit.db-wal', 'audit.db-shm', 'sluice.log'];
  const modes = await waitFor('every file to exist', async () => {
    const got: Record<string, string> = {};
    for (const f of files) {
      try {
        got[f] = ((await stat(join(d.dir, f))).mode & 0o777).toString(8);
      } catch {
        return undefined;
      }
    }
    return got;
  });
  assert.deepEqual(modes, Object.fromEntries(files.map((f) => [f, '600'])));
});

void test('an audit.db that is not a database: sluice start names the file and the cause, exit 1, no stack trace', async () => {
  const d = await initDir();
  const file = join(d.dir, 'audit.db');
  await writeFile(file, Buffer.alloc(4096, 0x5a), { mode: 0o600 });
  // The default bound (PROCESS_BOUND_MS): a 20 s one killed this start on a loaded machine (code null).
  const r = await sluice(['start', '--config', d.configFile, '--listen', '127.0.0.1:0']);
  assert.equal(r.code, 1, r.stderr);
  assert.ok(r.stderr.includes(file), r.stderr);
  assert.match(r.stderr, /file is not a database/);
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'a stack trace');
});
