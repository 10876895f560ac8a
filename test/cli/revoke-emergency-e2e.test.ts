/**
 * Revocation an operator can trust in a hurry: a session id the audit trail has never
 * seen is revoked with a "no such session seen" note, `--list` shows what is recorded,
 * and a config broken by a bad edit does not stand in the way of `revoke`, `audit`,
 * `status` or `secret`.
 */
import assert from 'node:assert/strict';
import { appendFile } from 'node:fs/promises';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { initDir, sluice, startCliGate, type CliGate, type InitDir } from '../helpers/cli.js';
import { waitForAudit } from '../helpers/cli-e2e.js';

describe('revoke e2e: unseen ids, --list, and a broken config', () => {
  let d: InitDir;
  let gate: CliGate;

  before(async () => {
    d = await initDir();
    gate = await startCliGate(d.configFile);
    const t = await sluice(['token', '--tenant', 'acme', '--agent', 'ops-bot', '--session', 'ses_real', '--config', d.configFile]);
    assert.equal(t.code, 0, t.stderr);
    // One request of session ses_real (denied: no rule), so the audit trail has seen it.
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({
        host: '127.0.0.1',
        port: gate.port,
        path: 'http://nothing.example.test/',
        headers: { host: 'nothing.example.test', 'proxy-authorization': `Basic ${Buffer.from(`sluice:${t.stdout.trim()}`).toString('base64')}` },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 403);
    await waitForAudit(d.configFile, (r) => r.session === 'ses_real');
  });
  after(async () => {
    await gate?.stop();
  });

  test('a session never seen is revoked, with a "no such session seen" note; a seen one gets none', async () => {
    const typo = await sluice(['revoke', '--session', 'ses_raal', '--config', d.configFile]);
    assert.equal(typo.code, 0, typo.stderr);
    assert.match(typo.stdout, /^revoked session ses_raal /m);
    assert.match(typo.stderr, /^sluice revoke: note: no such session seen: 'ses_raal' is in no audit record/m);
    const real = await sluice(['revoke', '--session', 'ses_real', '--config', d.configFile]);
    assert.equal(real.code, 0, real.stderr);
    assert.doesNotMatch(real.stderr, /no such session seen/);
  });

  test('--list prints every revocation, oldest first', async () => {
    const r = await sluice(['revoke', '--list', '--config', d.configFile]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 2, r.stdout);
    assert.match(lines[0]!, /\trevoked session ses_raal /);
    assert.match(lines[1]!, /\trevoked session ses_real /);
    const bad = await sluice(['revoke', '--list', '--session', 'x', '--config', d.configFile]);
    assert.equal(bad.code, 2, bad.stderr);
  });

  test('with a broken config, revoke and audit query work on the data directory and say the config was ignored', async () => {
    await appendFile(d.configFile, 'listen: [not, an, address\n');
    const check = await sluice(['policy', 'check', d.configFile]);
    assert.equal(check.code, 2, 'the config is really broken');
    const r = await sluice(['revoke', '--agent', 'ops-bot', '--tenant', 'acme', '--config', d.configFile]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^revoked agent ops-bot in tenant acme/m);
    assert.match(r.stderr, /^sluice revoke: warning: the config is invalid and was ignored; using the data directory \S+ \(its folder\)/m);
    const list = await sluice(['revoke', '--list', '--config', d.configFile]);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /revoked agent ops-bot in tenant acme/);
    const q = await sluice(['audit', 'query', '--session', 'ses_real', '--json', '--config', d.configFile]);
    assert.equal(q.code, 0, q.stderr);
    assert.match(q.stderr, /^sluice audit query: warning: the config is invalid and was ignored/m);
    assert.match(q.stdout, /"session":"ses_real"/);

    // Is the gate still up, and which policy does it serve? The control socket is in the data directory.
    const st = await sluice(['status', '--config', d.configFile]);
    assert.equal(st.code, 0, st.stderr);
    assert.match(st.stdout, /^gate: up \(pid \d+, proxy 127\.0\.0\.1:\d+\)$/m);
    assert.match(st.stderr, /^sluice status: warning: the config is invalid and was ignored/m);
    // A secret can still be set (the missing one the edit was about, say).
    const set = await sluice(['secret', 'set', 'late_token', '--config', d.configFile], { input: 'canary-emergency-value\n' });
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stderr, /^sluice secret: warning: the config is invalid and was ignored/m);
    const names = await sluice(['secret', 'list', '--config', d.configFile]);
    assert.equal(names.code, 0, names.stderr);
    assert.match(names.stdout, /^late_token\t/m);
  });
});
