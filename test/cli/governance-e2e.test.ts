/**
 * The structured fallbacks that exist, end to end with real processes: a gate from
 * `sluice start`, curl through it, `sluice kill`, `sluice quarantine`, `sluice audit
 * query` and `sluice explain` as separate processes on the same config. Each outcome
 * (partial_result, rate_limited, quarantined, gate_killed) is in the audit trail and
 * found by `sluice audit query --reason`; `sluice explain` says what each would do;
 * a kill and a quarantine still refuse after the gate restarts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { REDACTED_MARKER } from '../../src/inspect/redact-paths.js';
import { initDir, sluice, startCliGate, type CliGate, type InitDir } from '../helpers/cli.js';
import { auditQuery, waitForAudit } from '../helpers/cli-e2e.js';
import { exec } from '../helpers/exec.js';
import { splitResponse } from '../helpers/raw.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

const CANARY = 'CANARY-GOV-8d2e71f0';

describe('governance outcomes: audit trail, audit query, explain, restart', () => {
  let up: Upstream;
  let d: InitDir;
  let gate: CliGate;
  let token: string;

  before(async () => {
    up = await startUpstream();
    d = await initDir(`  - id: crm-read
    hosts: [crm.test]
    redact: [x-canary, '$.headers.user-agent']
  - id: limited
    hosts: [limited.test]
    rate_limit: { requests: 1, per: 1h }
  - id: open
    hosts: [open.test, bad.test]
dns:
  hosts:
    crm.test: 127.0.0.1
    limited.test: 127.0.0.1
    open.test: 127.0.0.1
    bad.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
`);
    gate = await startCliGate(d.configFile);
    const r = await sluice(['token', '--tenant', 'acme', '--agent', 'bot', '--config', d.configFile]);
    assert.equal(r.code, 0, r.stderr);
    token = r.stdout.trim();
  });
  after(async () => {
    await gate?.stop();
    await up?.close();
  });

  const cli = async (...args: string[]): Promise<string> => {
    const r = await sluice([...args, '--config', d.configFile]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  };
  /** curl through the gate: status, headers (lower-case) and body. */
  const curl = async (host: string, path: string, extra: string[] = []): Promise<{ status: number; headers: Record<string, string>; body: string }> => {
    const r = await exec('curl', ['-sS', '-D', '-', '--proxy', `http://sluice:${token}@${gate.address}`, ...extra, `http://${host}:${up.port}${path}`]);
    assert.equal(r.code, 0, r.stderr);
    return splitResponse(r.stdout);
  };
  const explain = async (...args: string[]): Promise<{ code: number; stdout: string }> => {
    const r = await sluice(['explain', '--agent', 'bot', '--tenant', 'acme', ...args, '--config', d.configFile]);
    assert.ok(r.code === 0 || r.code === 3, r.stderr);
    return { code: r.code, stdout: r.stdout };
  };

  test('partial_result: fields replaced, the header names them; audit query --reason finds it; explain says so', async () => {
    const r = await curl('crm.test', '/echo', ['-H', `x-canary: ${CANARY}`, '-A', 'curl-test']);
    assert.equal(r.status, 200, r.body);
    const body = JSON.parse(r.body) as { headers: Record<string, string> };
    assert.equal(body.headers['x-canary'], REDACTED_MARKER);
    assert.equal(body.headers['user-agent'], REDACTED_MARKER);
    assert.equal(r.headers['x-sluice-partial'], 'x-canary, $.headers.user-agent');
    const rec = await waitForAudit(d.configFile, (x) => x.path === '/echo', ['--reason', 'partial_result']);
    assert.deepEqual([rec.outcome, rec.rule, rec.status], ['allow', 'crm-read', 200]);
    assert.deepEqual(
      rec.findings.map((f) => [f.type, f.detail]),
      [
        ['partial_result', 'x-canary'],
        ['partial_result', '$.headers.user-agent'],
      ],
    );
    assert.ok(!r.body.includes(CANARY));
    assert.ok(!JSON.stringify(await auditQuery(d.configFile)).includes(CANARY), 'the canary is in audit.db');
    assert.ok(!gate.stderr().includes(CANARY) && !gate.stdout().includes(CANARY), 'the canary is in the gate log');

    const e = await explain('GET', 'http://crm.test/customers/7');
    assert.equal(e.code, 0);
    assert.match(
      e.stdout,
      /^redact: {5}x-canary, \$\.headers\.user-agent: replaced by "\[REDACTED by sluice\]" in the response \(partial_result; x-sluice-partial/m,
    );
    const json = JSON.parse((await sluice(['explain', '--json', 'GET', 'http://crm.test/', '--config', d.configFile])).stdout) as { redact: unknown };
    assert.deepEqual(json.redact, {
      fields: ['x-canary', '$.headers.user-agent'],
      replacement: REDACTED_MARKER,
      code: 'partial_result',
      header: 'x-sluice-partial',
    });
  });

  test('rate_limited: the second request is 429; audit query --reason finds it; explain names the limit', async () => {
    assert.equal((await curl('limited.test', '/first')).status, 200);
    const second = await curl('limited.test', '/second');
    assert.equal(second.status, 429);
    assert.ok(Number(second.headers['retry-after']) > 0);
    assert.equal((JSON.parse(second.body) as { error: string }).error, 'rate_limited');
    const rec = await waitForAudit(d.configFile, (x) => x.path === '/second', ['--reason', 'rate_limited']);
    assert.deepEqual([rec.outcome, rec.rule, rec.status], ['deny', 'limited', 429]);
    assert.match((await explain('GET', 'http://limited.test/')).stdout, /^rate limit: rule limited's rate limit \(1 requests? per 1h, per identity\)/m);
  });

  test('quarantined and gate_killed: refused, found by audit query, explained, and still refused after a restart', async () => {
    const q = await cli('quarantine', 'bad.test', '--reason', 'drill');
    const qid = /^quarantined \S+ as (q\d+) /.exec(q)?.[1] ?? assert.fail(q);
    const quarantined = await curl('bad.test', '/q');
    assert.equal(quarantined.status, 403);
    const qe = await explain('GET', 'http://bad.test/');
    assert.equal(qe.code, 3);
    assert.match(qe.stdout, /^answer: {5}403 quarantined$/m);
    assert.match(qe.stdout, new RegExp(`^stopped by: quarantine:${qid}$`, 'm'));

    const k = await cli('kill', '--reason', 'drill');
    const kid = /^kill (k\d+) /.exec(k)?.[1] ?? assert.fail(k);
    const killed = await curl('open.test', '/k');
    assert.equal(killed.status, 503);
    assert.equal((JSON.parse(killed.body) as { error: string }).error, 'gate_killed');
    const ke = await explain('GET', 'http://open.test/');
    assert.equal(ke.code, 3);
    assert.match(ke.stdout, /^answer: {5}503 gate_killed$/m);
    assert.match(ke.stdout, new RegExp(`^stopped by: kill:${kid}$`, 'm'));

    const qrec = await waitForAudit(d.configFile, (x) => x.path === '/q', ['--reason', 'quarantined']);
    assert.deepEqual([qrec.outcome, qrec.rule, qrec.status], ['deny', `quarantine:${qid}`, 403]);
    const krec = await waitForAudit(d.configFile, (x) => x.path === '/k', ['--reason', 'gate_killed', '--outcome', 'deny']);
    assert.deepEqual([krec.rule, krec.status], [`kill:${kid}`, 503]);

    // Restart: the state is on disk; the new gate refuses from its first request.
    await gate.stop();
    gate = await startCliGate(d.configFile);
    assert.equal((await curl('open.test', '/after-restart')).status, 503);
    const lifted = await cli('kill', '--off');
    assert.match(lifted, new RegExp(`^lifted kill ${kid} `));
    assert.equal((await curl('open.test', '/after-off')).status, 200);
    const still = await curl('bad.test', '/after-restart-q');
    assert.equal(still.status, 403);
    assert.equal((JSON.parse(still.body) as { rule: string }).rule, `quarantine:${qid}`);
    await cli('quarantine', '--lift', qid);
    assert.equal((await curl('bad.test', '/after-lift')).status, 200);
  });
});
