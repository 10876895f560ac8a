/**
 * state.db under a running gate from `sluice start`, touched the way operators touch
 * it: another process reads it with the `sqlite3` shell (then a revocation must still
 * take effect), and the file is moved away, put back, replaced and deleted (then the
 * gate must refuse with 503 state_unavailable, not go on with a file nobody else sees).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFile, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { waitFor, waitForAudit, waitForStderr } from '../helpers/cli-e2e.js';
import { initDir, sluice, startCliGate, type CliGate, type InitDir } from '../helpers/cli.js';
import { exec } from '../helpers/exec.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

/** How long a revocation or a moved file may take to reach the gate: its poll is 100 ms. */
const BOUND_MS = 10_000;

const YAML = `  - id: upstream
    hosts: [api.upstream.test]
dns:
  hosts:
    api.upstream.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
`;

/**
 * Another process that takes the strongest lock it can on state.db and holds it until
 * its stdin closes: first an exclusive lock on the file (locking_mode=EXCLUSIVE, which
 * would shut every other connection out, readers included), else the write lock
 * (BEGIN EXCLUSIVE in WAL mode). Resolves with which one it holds.
 */
function holdLock(file: string): { held: Promise<'file' | 'write'>; release(): Promise<void> } {
  const sqlite = createRequire(import.meta.url).resolve('better-sqlite3');
  const script = `
    const Database = require(${JSON.stringify(sqlite)});
    const db = new Database(${JSON.stringify(file)});
    db.pragma('busy_timeout = 0');
    let held = 'file';
    try {
      db.pragma('locking_mode = EXCLUSIVE');
      db.exec('BEGIN EXCLUSIVE; CREATE TABLE IF NOT EXISTS lock_probe (x); INSERT INTO lock_probe VALUES (1);');
    } catch {
      if (db.inTransaction) db.exec('ROLLBACK');
      db.pragma('locking_mode = NORMAL');
      db.exec('BEGIN EXCLUSIVE; CREATE TABLE IF NOT EXISTS lock_probe (x); INSERT INTO lock_probe VALUES (1);');
      held = 'write';
    }
    process.stdout.write(held + '\\n');
    process.stdin.resume();
    process.stdin.on('end', () => { db.exec('ROLLBACK'); db.close(); });`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const held = new Promise<'file' | 'write'>((resolve, reject) => {
    child.stdout.setEncoding('utf8').once('data', (c: string) => resolve(c.trim() as 'file' | 'write'));
    void exited.then(() => reject(new Error(`the lock holder exited: ${err}`)));
  });
  return {
    held,
    release: async () => {
      child.stdin.end();
      await exited;
    },
  };
}

interface Answer {
  status: number;
  error: string | null;
  reason: string | null;
  decision_id: string | null;
}

describe('state.db under a running gate', () => {
  let plain: Upstream;
  const gates: CliGate[] = [];
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });

  before(async () => {
    plain = await startUpstream();
  });
  after(async () => {
    agent.destroy();
    for (const g of gates) await g.stop();
    await plain?.close();
  });

  const gateIn = async (): Promise<{ d: InitDir; gate: CliGate }> => {
    const d = await initDir(YAML);
    const gate = await startCliGate(d.configFile);
    gates.push(gate);
    return { d, gate };
  };
  const token = async (d: InitDir, session: string): Promise<string> => {
    const r = await sluice(['token', '--tenant', 'acme', '--agent', 'ops-bot', '--session', session, '--config', d.configFile]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.trim();
  };
  const get = (gate: CliGate, tok: string): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const req = request({
        host: '127.0.0.1',
        port: gate.port,
        path: `http://api.upstream.test:${plain.port}/`,
        headers: { host: `api.upstream.test:${plain.port}`, 'proxy-authorization': `Basic ${Buffer.from(`sluice:${tok}`).toString('base64')}` },
        agent,
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status === 200) return resolve({ status, error: null, reason: null, decision_id: null });
          const j = JSON.parse(body) as { error: string; reason: string; decision_id: string };
          resolve({ status, error: j.error, reason: j.reason, decision_id: j.decision_id });
        });
      });
      req.on('error', reject);
      req.end();
    });
  /**
   * Bounded wait until a GET through `gate` answers as `want` says. (A request in flight
   * when the gate notices may be ended with another fail-closed answer; the ones after
   * it are what is asserted.)
   */
  const until = (gate: CliGate, tok: string, what: string, want: (a: Answer) => boolean): Promise<Answer> => {
    let last: Answer | undefined;
    return waitFor(
      what,
      async () => {
        last = await get(gate, tok);
        return want(last) ? last : undefined;
      },
      BOUND_MS,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; last answer ${JSON.stringify(last)}\ngate stderr:\n${gate.stderr()}`);
    });
  };

  /**
   * The refusal once the gate knows state.db is not the file it opened. The kill switch
   * and the revocations are two watched logs, each noticing on its own poll: a request
   * that passed the first check before the other noticed is ended fail-closed with
   * another 503 (`gate_killed`, "the kill switch state cannot be read"), seen under load.
   * The ones after it are state_unavailable, and those are what is asserted.
   */
  const unavailable = (x: Answer): boolean => x.status === 503 && x.error === 'state_unavailable';

  test('after the sqlite3 shell reads state.db, a revocation still reaches the running gate', async () => {
    const { d, gate } = await gateIn();
    const tok = await token(d, 'ses_shell_read');
    assert.equal((await get(gate, tok)).status, 200);
    // An operator looks at the revocations with the sqlite3 shell (a SELECT only) and quits.
    // Closing, the shell checkpoints and deletes the WAL and -shm if it can lock the file
    // exclusively, i.e. if it thinks no other connection is open: the gate's must be.
    const q = await exec('sqlite3', [join(d.dir, 'state.db'), 'SELECT count(*) FROM revocations;'], { timeoutMs: 10_000 });
    assert.equal(q.code, 0, q.stderr);
    assert.equal(q.stdout.trim(), '0');
    const r = await sluice(['revoke', '--session', 'ses_shell_read', '--config', d.configFile]);
    assert.equal(r.code, 0, r.stderr);
    const a = await until(gate, tok, 'the revoked session to be refused', (x) => x.status === 403);
    assert.equal(a.error, 'identity_revoked');
  });

  test('state.db moved away, put back, replaced by a copy, then deleted: 503 state_unavailable while it is not the file in use', async () => {
    const { d, gate } = await gateIn();
    const tok = await token(d, 'ses_moved');
    const db = join(d.dir, 'state.db');
    assert.equal((await get(gate, tok)).status, 200);

    await rename(db, `${db}.aside`);
    const gone = await until(gate, tok, 'a refusal once state.db is gone', unavailable);
    assert.equal(gone.status, 503);
    assert.equal(gone.error, 'state_unavailable');
    assert.match(gone.reason ?? '', /state database was removed/);
    await waitForStderr(gate, /state\.db: the state database was removed while in use/);

    // The same file back: nothing was lost, the gate serves again.
    await rename(`${db}.aside`, db);
    await until(gate, tok, 'service once the same state.db is back', (x) => x.status === 200);

    // A copy is another file: revocations written to it would never reach this gate's connection.
    await copyFile(db, `${db}.copy`);
    await rename(`${db}.copy`, db);
    const replaced = await until(gate, tok, 'a refusal once state.db is replaced', unavailable);
    assert.equal(replaced.status, 503);
    assert.equal(replaced.error, 'state_unavailable');
    assert.match(replaced.reason ?? '', /state database was replaced/);
    await waitForStderr(gate, /state\.db: the state database was replaced while in use/);
    // Still refusing a moment later (a poll must not take the copy for the original).
    assert.equal((await get(gate, tok)).status, 503);

    await rm(db);
    const deleted = await until(gate, tok, 'a refusal naming the deletion', (x) => x.status === 503 && /removed/.test(x.reason ?? ''));
    assert.equal(deleted.error, 'state_unavailable');
  });

  test('state.db deleted under a fresh gate: refused with 503 state_unavailable, and the refusal is on record', async () => {
    const { d, gate } = await gateIn();
    const tok = await token(d, 'ses_deleted');
    assert.equal((await get(gate, tok)).status, 200);
    await rm(join(d.dir, 'state.db'));
    const a = await until(gate, tok, 'a refusal once state.db is deleted', unavailable);
    assert.equal(a.status, 503);
    assert.equal(a.error, 'state_unavailable');
    // That refusal's own record (an earlier 503 may be another fail-closed answer: see unavailable).
    const rec = await waitForAudit(d.configFile, (x) => x.decision_id === a.decision_id);
    assert.equal(rec.status, 503);
    assert.equal(rec.outcome, 'deny');
    assert.equal(rec.reason, 'state_unavailable');
    await waitForStderr(gate, /state\.db: the state database was removed while in use/);
  });

  test(
    'another process holding the strongest lock it can get on state.db: the gate keeps serving and revocations keep arriving',
    // A bound only: a gate start, 22 requests, two CLIs (one waiting out its 5 s busy
    // timeout) and a lock holder took over 60 s on a loaded machine.
    { timeout: 180_000 },
    async () => {
      const { d, gate } = await gateIn();
      const tok = await token(d, 'ses_locked');
      assert.equal((await get(gate, tok)).status, 200);
      const lock = holdLock(join(d.dir, 'state.db'));
      try {
        const kind = await lock.held;
        // Requests keep being answered while the lock is held (revocations are read, never
        // written, on the request path; WAL readers do not wait for a writer).
        const answers: number[] = [];
        for (let i = 0; i < 20; i++) answers.push((await get(gate, tok)).status);
        assert.deepEqual(answers, Array<number>(20).fill(200), 'requests while another process holds a lock on state.db');
        // The gate's connection keeps the file shared: nobody can lock readers out under it.
        assert.equal(kind, 'write', 'another process took an exclusive lock on the file the gate has open');
        // A CLI writer waits its bound, then says why; it never reports a revocation it did not write.
        const blocked = await sluice(['revoke', '--session', 'ses_locked', '--config', d.configFile]);
        assert.equal(blocked.code, 1, blocked.stdout);
        assert.match(blocked.stderr, /state\.db: state database locked by another process/);
      } finally {
        await lock.release();
      }
      const r = await sluice(['revoke', '--session', 'ses_locked', '--config', d.configFile]);
      assert.equal(r.code, 0, r.stderr);
      const a = await until(gate, tok, 'the revoked session to be refused', (x) => x.status === 403);
      assert.equal(a.error, 'identity_revoked');
    },
  );
});
