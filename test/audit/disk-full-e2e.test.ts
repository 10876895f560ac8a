/**
 * The audit disk full (issue #11): the real `sluice start` with its data directory on a
 * small tmpfs, filled up while the gate runs. With `audit.fail_closed: all` (the
 * default) every request is refused with 503 `audit_unavailable` and the log says why;
 * once space is freed requests are served again, and the refusals of the outage are in
 * audit.db. Needs root (to mount the tmpfs); skipped otherwise.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { cp, mkdir, mkdtemp } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { initDir, sluice, startCliGate, type CliGate } from '../helpers/cli.js';
import { auditQuery, waitFor } from '../helpers/cli-e2e.js';

const root = process.getuid?.() === 0;

describe('audit disk full', { skip: root ? false : 'needs root to mount a tmpfs' }, () => {
  let upstream: Server;
  let port = 0;
  let mnt = '';
  let gate: CliGate | undefined;
  let configFile = '';
  let auth = '';

  before(async () => {
    upstream = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    port = (upstream.address() as AddressInfo).port;
    const d = await initDir(`  - id: upstream
    hosts: [api.upstream.test]
dns:
  hosts:
    api.upstream.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
`);
    mnt = join(await mkdtemp(join(tmpdir(), 'sluice-full-')), 'data');
    await mkdir(mnt);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m,mode=0700', 'tmpfs', mnt]);
    await cp(d.dir, mnt, { recursive: true });
    configFile = join(mnt, 'sluice.yaml');
    const r = await sluice(['token', '--tenant', 'acme', '--agent', 'worker', '--config', configFile]);
    assert.equal(r.code, 0, r.stderr);
    auth = `Basic ${Buffer.from(`sluice:${r.stdout.trim()}`).toString('base64')}`;
    gate = await startCliGate(configFile);
  });
  after(async () => {
    await gate?.stop('SIGKILL');
    upstream.close();
    if (mnt) execFileSync('umount', ['-l', mnt]);
  });

  const get = (path: string): Promise<{ status: number; body: string }> =>
    new Promise((resolve, reject) => {
      const req = request({
        host: '127.0.0.1',
        port: gate!.port,
        path: `http://api.upstream.test:${port}${path}`,
        headers: { 'proxy-authorization': auth },
        agent: false,
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });

  test('full: every request refused 503 audit_unavailable, loudly; freed: served again, the refusals on record', async () => {
    assert.equal((await get('/before')).status, 200);
    const filler = join(mnt, 'filler');
    // Fill the disk to the last byte (dd stops with "No space left on device").
    try {
      execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=4k'], { stdio: 'ignore' });
    } catch {
      // expected: ENOSPC
    }
    // Until the journal's last page is full a few lines still fit, and space the gate
    // frees itself (a journal segment the sinks covered, a WAL checkpoint) lets a few
    // more through: each request is either served and recorded, or refused.
    const sent: string[] = [];
    const refused: string[] = [];
    for (let i = 0; i < 40; i++) {
      const path = `/full/${i}`;
      const r = await get(path);
      sent.push(path);
      if (r.status === 503) {
        assert.equal((JSON.parse(r.body) as { error: string }).error, 'audit_unavailable', r.body);
        refused.push(path);
      } else assert.equal(r.status, 200, `request ${path} during the outage: ${r.status} ${r.body}`);
    }
    assert.ok(refused.length > 0, 'no request was refused with the disk full');
    assert.ok(
      gate!.logLines().some((l) => l.msg === 'AUDIT WRITE FAILED' && /ENOSPC|SQLITE_FULL|disk is full|SQLITE_IOERR/.test(JSON.stringify(l))),
      'the log names the cause',
    );
    rmSync(filler);
    await waitFor('requests served again', async () => ((await get('/after')).status === 200 ? true : undefined), 10_000, 200);
    console.log(`# disk full: ${refused.length} of ${sent.length} requests refused`);
    const records = await waitFor(
      'every request of the outage in audit.db',
      async () => {
        const all = await auditQuery(configFile, ['--limit', '1000']);
        return sent.every((p) => all.some((r) => r.path === p)) ? all : undefined;
      },
      15_000,
      200,
    ).catch(async (err: Error) => {
      const all = await auditQuery(configFile, ['--limit', '1000']);
      throw new Error(`${err.message}; missing: ${sent.filter((p) => !all.some((r) => r.path === p)).join(' ')}; log: ${gate!.stderr().slice(-3000)}`);
    });
    for (const p of refused) {
      const r = records.find((x) => x.path === p)!;
      assert.equal(r.outcome, 'deny');
      assert.equal(r.reason, 'audit_unavailable');
    }
    assert.ok(records.some((r) => r.path === '/before' && r.outcome === 'allow'));
  });
});
