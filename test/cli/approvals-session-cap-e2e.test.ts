/**
 * `approvals.max_pending_per_session` with the real CLI: a gate from `sluice start`, an
 * agent opening approvals over HTTP, `sluice approvals` from another process. Past the
 * cap a request that would open another approval is refused 429
 * `too_many_pending_approvals` and none is opened; a retry of a pending one still gets
 * its approval; another session has its own count; a decision makes room.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { initDir, sluice, startCliGate, type CliGate, type InitDir } from '../helpers/cli.js';
import { parseRawResponse, rawExchange } from '../helpers/raw.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

interface Answer {
  status: number;
  body: { error?: string; reason?: string; approval?: { id: string } };
}

describe('approvals.max_pending_per_session', () => {
  let up: Upstream;
  let d: InitDir;
  let gate: CliGate;
  const tokens: Record<string, string> = {};

  before(async () => {
    up = await startUpstream();
    d = await initDir(`  - id: deploy
    hosts: [api.upstream.test]
    paths: ["/deploy/**"]
    action: approve
    approval: { approvers: [alice] }
dns:
  hosts:
    api.upstream.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
approvals:
  max_pending_per_session: 2
`);
    gate = await startCliGate(d.configFile);
    for (const session of ['c1', 'c2']) {
      const r = await sluice(['token', '--tenant', 'acme', '--agent', 'bot', '--session', session, '--config', d.configFile]);
      assert.equal(r.code, 0, r.stderr);
      tokens[session] = r.stdout.trim();
    }
  });
  after(async () => {
    await gate?.stop();
    await up?.close();
    if (d) await rm(dirname(d.dir), { recursive: true, force: true });
  });

  const post = async (session: string, path: string): Promise<Answer> => {
    const auth = Buffer.from(`sluice:${tokens[session]}`).toString('base64');
    const authority = `api.upstream.test:${up.port}`;
    const { response } = await rawExchange(
      gate.port,
      `POST http://${authority}${path} HTTP/1.1\r\nHost: ${authority}\r\nProxy-Authorization: Basic ${auth}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`,
      { timeoutMs: 15_000 },
    );
    const r = parseRawResponse(response);
    return { status: r.status, body: JSON.parse(r.body) as Answer['body'] };
  };
  const pendingIds = async (): Promise<string[]> => {
    const r = await sluice(['approvals', 'list', '--config', d.configFile]);
    assert.equal(r.code, 0, r.stderr);
    return [...r.stdout.matchAll(/^(apr_\S+)\tpending/gm)].map((m) => m[1]!);
  };

  test('the third new approval of a session is refused 429 and not opened; a retry and another session are not', async () => {
    const a = await post('c1', '/deploy/a');
    const b = await post('c1', '/deploy/b');
    assert.equal(a.status, 428);
    assert.equal(b.status, 428);
    const c = await post('c1', '/deploy/c');
    assert.equal(c.status, 429, JSON.stringify(c.body));
    assert.equal(c.body.error, 'too_many_pending_approvals');
    assert.match(c.body.reason!, /^this session already has 2 approvals pending, the most approvals\.max_pending_per_session allows; /);
    assert.equal(c.body.approval, undefined);
    assert.equal((await pendingIds()).length, 2, 'no approval was opened for the refused request');

    const retry = await post('c1', '/deploy/a');
    assert.equal(retry.status, 428, 'a retry gets its pending approval');
    assert.equal(retry.body.approval?.id, a.body.approval?.id);
    assert.equal((await post('c2', '/deploy/c')).status, 428, 'another session counts its own');

    // A decision makes room for a new one.
    const denied = await sluice(['approvals', 'deny', b.body.approval!.id, '--as', 'alice', '--config', d.configFile]);
    assert.equal(denied.code, 0, denied.stderr);
    assert.equal((await post('c1', '/deploy/c')).status, 428);
    assert.equal((await post('c1', '/deploy/d')).status, 429);
    assert.equal(up.seen.filter((s) => s.url.startsWith('/deploy/')).length, 0, 'nothing reached the upstream');
  });
});
