/**
 * Logs a person can read: by default the gate's stderr carries no audit records when
 * audit.db has them (start says where they are), a log file and a log that is the
 * only trail do; `log.format: pretty` turns stderr into short lines; `log.audit`
 * decides when set; `log.file` is created 0600.
 */
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { initDir, logAuditOn, startCliGate, type CliGate } from '../helpers/cli.js';
import { waitFor, waitForAudit, waitForStderr } from '../helpers/cli-e2e.js';

/** One plain-HTTP request through the gate with no token: a 407, and one audit record. */
function probe(gate: CliGate, path: string): Promise<{ status: number; id: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: gate.port, path: `http://nothing.example.test${path}`, headers: { host: 'nothing.example.test' } });
    req.on('response', (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, id: String(res.headers['x-sluice-decision']) });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('log format e2e', () => {
  const gates: CliGate[] = [];
  after(async () => {
    for (const g of gates) await g.stop();
  });

  test('log.format: pretty: no JSON on stderr; the audit record is one readable line', async () => {
    const d = await initDir();
    // The starter's log section, edited as an operator would.
    const text = await readFile(d.configFile, 'utf8');
    await writeFile(d.configFile, text.replace('  # format: pretty ', '  format: pretty   '));
    await logAuditOn(d.configFile);
    const p = await startCliGate(d.configFile);
    gates.push(p);
    const r = await probe(p, '/pretty');
    assert.equal(r.status, 407);
    await waitForStderr(p, new RegExp(`^\\d\\d:\\d\\d:\\d\\d INFO {2}audit challenge GET \\S+ 407 identity_required decision_id=${r.id}$`, 'm'));
    assert.match(p.stderr(), /^\d\d:\d\d:\d\d INFO {2}gate started url=http:\/\/127\.0\.0\.1:\d+ /m);
    assert.deepEqual(
      p
        .stderr()
        .split('\n')
        .filter((l) => l.startsWith('{')),
      [],
    );
  });

  test('by default: no audit line on the console while audit.db has the record, and start says where the records are', async () => {
    const d = await initDir();
    const g = await startCliGate(d.configFile);
    gates.push(g);
    await waitFor('the audit line on stdout', () => (/^audit: .*$/m.exec(g.stdout()) ?? undefined)?.[0]);
    assert.match(
      g.stdout(),
      new RegExp(
        `^audit: ${join(d.dir, 'audit.db').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\('sluice audit tail -f' follows it\\); not on this console \\(log\\.audit: true puts them in the log\\)$`,
        'm',
      ),
    );
    const r = await probe(g, '/default');
    assert.equal(r.status, 407);
    await waitForAudit(d.configFile, (a) => a.decision_id === r.id);
    assert.match(g.stderr(), /"msg":"gate started"/, 'the log was written (so its silence about the request counts)');
    assert.doesNotMatch(g.stderr(), /"msg":"audit"/);
    assert.ok(!g.stderr().includes(r.id), 'the decision is nowhere on the console');
  });

  test('by default a log file carries the audit lines, and is created 0600; with no other sink the console does', async () => {
    const f = await initDir();
    const ft = await readFile(f.configFile, 'utf8');
    await writeFile(f.configFile, ft.replace('  # file: sluice.log ', '  file: sluice.log   '));
    const h = await startCliGate(f.configFile);
    gates.push(h);
    const log = join(f.dir, 'sluice.log');
    assert.equal((await stat(log)).mode & 0o777, 0o600);
    const fr = await probe(h, '/to-file');
    await waitFor('the audit line in sluice.log', async () => ((await readFile(log, 'utf8')).includes(`"decision_id":"${fr.id}"`) ? true : undefined));

    const only = await initDir('audit:\n  sqlite: false\n');
    const o = await startCliGate(only.configFile);
    gates.push(o);
    assert.match(o.stdout(), /^audit: the log on stderr$/m);
    const or = await probe(o, '/only-log');
    await waitForStderr(o, new RegExp(`"decision_id":"${or.id}".*"msg":"audit"`));
  });

  test('log.audit: false: no audit line on stderr, the record is in audit.db', async () => {
    const d = await initDir();
    const text = await readFile(d.configFile, 'utf8');
    await writeFile(d.configFile, text.replace('  # audit: true  ', '  audit: false   '));
    const g = await startCliGate(d.configFile);
    gates.push(g);
    const r = await probe(g, '/quiet');
    assert.equal(r.status, 407);
    await waitForAudit(d.configFile, (a) => a.decision_id === r.id);
    assert.doesNotMatch(g.stderr(), /"msg":"audit"/);
  });
});
