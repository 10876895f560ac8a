import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { exec } from '../helpers/exec.js';
import { startTestGate, type TestGate } from '../helpers/gate.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

const MODES = [
  { mode: 'all (the default)', yaml: '', plain: 503 },
  { mode: 'credentialed', yaml: 'audit:\n  fail_closed: credentialed\n', plain: 200 },
  { mode: 'off', yaml: 'audit:\n  fail_closed: off\n', plain: 200, cred: 200 },
] as const;

for (const m of MODES)
  describe(`audit.fail_closed: ${m.mode}`, () => {
    let up: Upstream;
    let g: TestGate;
    before(async () => {
      up = await startUpstream({ tls: true, names: ['api.upstream.test'] });
      g = await startTestGate(
        `${m.yaml}
dns:
  hosts:
    api.upstream.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
rules:
  - id: with-credential
    hosts: [api.upstream.test]
    paths: ["/cred/**"]
    credential: { secret: api_token, header: x-api-key, value: "{{secret}}" }
  - id: without-credential
    hosts: [api.upstream.test]
`,
        { secrets: { api_token: 'fail-closed-test-value-0123456789' }, audit: 'config' },
      );
    });
    after(async () => {
      await g.close();
      await up.close();
    });

    async function get(path: string): Promise<{ status: number; body: string }> {
      const r = await exec('curl', ['-sS', '--proxy', g.proxyUrl, '--cacert', g.caFile, '-w', '\n%{http_code}', `https://api.upstream.test:${up.port}${path}`]);
      const cut = r.stdout.lastIndexOf('\n');
      return { status: Number(r.stdout.slice(cut + 1)), body: r.stdout.slice(0, cut) };
    }

    async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
      for (let i = 0; i < 100; i++) {
        if (await check()) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.fail(`timed out waiting for: ${what}`);
    }

    test('locked audit.db: refused as the mode says, loudly; unlocked: recovers, nothing lost', async () => {
      assert.equal((await get('/cred/x')).status, 200);
      const dbFile = join(g.dir, 'audit.db');
      const locker = new Database(dbFile);
      locker.exec('BEGIN EXCLUSIVE');
      const credStatus = 'cred' in m ? m.cred : 503;
      try {
        // The sink notices on its next flush; requests keep coming meanwhile.
        await until('the audit failure noticed', () => g.logs.some((l) => l.msg === 'AUDIT WRITE FAILED'));
        const cred = await get('/cred/y');
        assert.equal(cred.status, credStatus, cred.body);
        if (credStatus === 503) assert.equal((JSON.parse(cred.body) as { error: string }).error, 'audit_unavailable');
        const plain = await get('/plain');
        assert.equal(plain.status, m.plain, plain.body);
        if (m.plain === 503) assert.equal((JSON.parse(plain.body) as { error: string }).error, 'audit_unavailable');
      } finally {
        locker.exec('ROLLBACK');
        locker.close();
      }
      await until('credentialed requests served again', async () => (await get('/cred/z')).status === 200);
      assert.equal((await get('/plain')).status, 200);
      // Every request of the outage reached the audit trail once the lock was gone.
      await until('all records flushed', () => {
        const db = new Database(dbFile, { readonly: true });
        try {
          const paths = (db.prepare('SELECT path FROM audit').all() as { path: string }[]).map((r) => r.path);
          return ['/cred/y', '/plain'].every((p) => paths.includes(p));
        } finally {
          db.close();
        }
      });
    });
  });
