/**
 * `sluice revoke` returns only once every running gate on its data directory has
 * applied the revocation: with two gates from `sluice start` on the same data dir,
 * every request sent after `revoke` returns is refused, on both. A gate that is
 * running but cannot apply it (stopped with SIGSTOP) makes `revoke` say so (exit 3);
 * a gate that is gone (killed) is not waited for.
 */
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { initDir, sluice, startCliGate, type CliGate, type InitDir } from '../helpers/cli.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

describe('sluice revoke returns once every running gate on the data dir has applied it', () => {
  let plain: Upstream;
  let d: InitDir;
  const gates: CliGate[] = [];
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });

  before(async () => {
    plain = await startUpstream();
    d = await initDir(`  - id: upstream
    hosts: [api.upstream.test]
dns:
  hosts:
    api.upstream.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
`);
    gates.push(await startCliGate(d.configFile), await startCliGate(d.configFile));
  });
  after(async () => {
    agent.destroy();
    for (const g of gates) await g.stop();
    await plain?.close();
  });

  const token = async (session: string): Promise<string> => {
    const r = await sluice(['token', '--tenant', 'acme', '--agent', 'ops-bot', '--session', session, '--config', d.configFile]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.trim();
  };
  /** One GET through `gate` on a kept-alive connection: the status and the deny error, if any. */
  const get = (gate: CliGate, tok: string): Promise<{ status: number; error: string | null }> =>
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
          resolve({ status, error: status === 200 ? null : (JSON.parse(body) as { error: string }).error });
        });
      });
      req.on('error', reject);
      req.end();
    });

  test('two gates: every request sent right after revoke returns is refused with identity_revoked, on both', async () => {
    const tok = await token('ses_applied_1');
    // Warm connections to both gates, so the loop below starts at once.
    for (const g of gates) assert.equal((await get(g, tok)).status, 200);
    const r = await sluice(['revoke', '--session', 'ses_applied_1', '--config', d.configFile]);
    assert.equal(r.code, 0, r.stderr);
    const accepted: string[] = [];
    for (let i = 0; i < 40; i++) {
      const g = gates[i % 2]!;
      const a = await get(g, tok);
      if (a.status !== 403 || a.error !== 'identity_revoked') accepted.push(`request ${i} to gate ${i % 2}: ${a.status} ${a.error ?? ''}`);
    }
    assert.deepEqual(accepted, [], 'requests accepted after sluice revoke returned');
  });

  test('a running gate that cannot apply it: revoke waits --wait, names it and exits 3; a gate that is gone is not waited for', async () => {
    const tok = await token('ses_applied_2');
    const stopped = gates[1]!;
    const pid = stopped.child.pid!;
    process.kill(pid, 'SIGSTOP');
    let r;
    try {
      r = await sluice(['revoke', '--session', 'ses_applied_2', '--wait', '1s', '--config', d.configFile]);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stdout, /^revoked session ses_applied_2/, 'the revocation is recorded all the same');
    assert.match(r.stderr, new RegExp(`not yet applied by 1 running process\\(es\\)[^]*gate pid ${pid} `));
    // Once running again it applies it.
    assert.equal((await get(stopped, tok)).error, 'identity_revoked');

    // Killed without a chance to leave the table: its row stays, and is ignored.
    await stopped.stop('SIGKILL');
    gates.pop();
    const again = await sluice(['revoke', '--session', 'ses_applied_3', '--config', d.configFile]);
    assert.equal(again.code, 0, again.stderr);
  });
});
