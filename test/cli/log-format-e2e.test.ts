/**
 * Logs a person can read: `log.format: pretty` turns the gate's stderr into short
 * lines, `log.audit: false` keeps audit records off it (audit.db still has them), and
 * `log.file` is created 0600.
 */
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { initDir, startCliGate, type CliGate } from '../helpers/cli.js';
import { waitForAudit, waitForStderr } from '../helpers/cli-e2e.js';

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
    const p = await startCliGate(d.configFile);
    gates.push(p);
    const r = await probe(p, '/pretty');
    assert.equal(r.status, 407);
    await waitForStderr(p, new RegExp(`^\\d\\d:\\d\\d:\\d\\d INFO {2}audit challenge GET \\S+ 407 identity_required decision_id=${r.id}$`, 'm'));
    assert.match(p.stderr(), /^\d\d:\d\d:\d\d INFO {2}gate started url=http:\/\/127\.0\.0\.1:\d+ /m);
    assert.deepEqual(p.stderr().split('\n').filter((l) => l.startsWith('{')), []);
  });

  test('log.audit: false: no audit line on stderr, the record is in audit.db; log.file is created 0600', async () => {
    const d = await initDir();
    const text = await readFile(d.configFile, 'utf8');
    await writeFile(d.configFile, text.replace('  # audit: false ', '  audit: false   '));
    const g = await startCliGate(d.configFile);
    gates.push(g);
    const r = await probe(g, '/quiet');
    assert.equal(r.status, 407);
    await waitForAudit(d.configFile, (a) => a.decision_id === r.id);
    assert.doesNotMatch(g.stderr(), /"msg":"audit"/);

    const f = await initDir();
    const ft = await readFile(f.configFile, 'utf8');
    await writeFile(f.configFile, ft.replace('  # file: sluice.log ', '  file: sluice.log   '));
    const h = await startCliGate(f.configFile);
    gates.push(h);
    assert.equal((await stat(join(f.dir, 'sluice.log'))).mode & 0o777, 0o600);
  });
});
