/**
 * Governance state across a gate restart, with the real CLI: a gate from `sluice
 * start`, agents speaking HTTP through it. A session that spent its rate limit is
 * still refused (429, Retry-After) after the gate is stopped (SIGTERM) and started
 * again on the same data directory, and after a kill -9 once the levels' batch was
 * written (state.db, about every second); a session that wrote to one critical domain
 * needs an approval (428) for a second one after a restart, a kill -9 included (the
 * blast radius is written through). `sluice mcp` counts a session's tool calls in the
 * same state.db table, where any other process on the data directory (a gate) sees them.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { initDir, sluice, startCliGate, type CliGate, type InitDir } from '../helpers/cli.js';
import { waitFor } from '../helpers/cli-e2e.js';
import { parseRawResponse, rawExchange } from '../helpers/raw.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';
import { connectStdio, refusedWith, STDIO_FIXTURE, writeTools } from '../helpers/mcp-stdio.js';
import { defaultTools } from '../helpers/mcp-tools.js';
import { openBlastRadiusStore } from '../../src/state/sqlite-blast-radius.js';

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

describe('rate limits and the blast radius survive a gate restart', () => {
  let up: Upstream;
  let d: InitDir;
  let gate: CliGate;
  const tokens: Record<string, string> = {};

  before(async () => {
    up = await startUpstream();
    d = await initDir(`  - id: limited
    hosts: [api.upstream.test]
    rate_limit: { requests: 2, per: 1h, by: session }
  - id: db
    hosts: [db.test, billing.test]
    tags: [critical]
dns:
  hosts:
    api.upstream.test: 127.0.0.1
    db.test: 127.0.0.1
    billing.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
blast_radius:
  critical_write_domains: 1
`);
    gate = await startCliGate(d.configFile);
    for (const session of ['r-term', 'r-kill', 'r-other', 'b-term', 'b-kill']) {
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

  const send = async (session: string, method: string, authority: string, path: string): Promise<Answer> => {
    const auth = Buffer.from(`sluice:${tokens[session]}`).toString('base64');
    const body = method === 'GET' ? '' : '{}';
    const { response } = await rawExchange(
      gate.port,
      `${method} http://${authority}${path} HTTP/1.1\r\nHost: ${authority}\r\nProxy-Authorization: Basic ${auth}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
      { timeoutMs: 15_000 },
    );
    const r = parseRawResponse(response);
    let parsed: Record<string, unknown> = {};
    try {
      parsed = JSON.parse(r.body) as Record<string, unknown>;
    } catch {
      // The upstream's own answer.
    }
    return { status: r.status, headers: r.headers, body: parsed };
  };
  const api = (): string => `api.upstream.test:${up.port}`;
  /** Refused by the rule's limit, with a Retry-After of most of the hour. */
  const assertLimited = (r: Answer, what: string): void => {
    assert.equal(r.status, 429, `${what}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error, 'rate_limited');
    assert.match(String(r.body.reason), /^rule limited's rate limit \(2 requests per 1h, per session\) is used up; retry after \d+s$/);
    const after = Number(r.headers['retry-after']);
    assert.ok(after > 1700 && after <= 1800, `${what}: Retry-After ${r.headers['retry-after']}`);
  };

  test('SIGTERM: a session that spent its limit is still refused after the restart; another session is not', async () => {
    assert.equal((await send('r-term', 'GET', api(), '/a')).status, 200);
    assert.equal((await send('r-term', 'GET', api(), '/b')).status, 200);
    assertLimited(await send('r-term', 'GET', api(), '/c'), 'before the restart');
    const stopped = await gate.stop('SIGTERM');
    assert.equal(stopped.code, 0);
    gate = await startCliGate(d.configFile);
    assertLimited(await send('r-term', 'GET', api(), '/d'), 'after the restart');
    assert.equal((await send('r-other', 'GET', api(), '/e')).status, 200);
  });

  test('kill -9 once the batch was written: still refused after the restart', async () => {
    assert.equal((await send('r-kill', 'GET', api(), '/a')).status, 200);
    assert.equal((await send('r-kill', 'GET', api(), '/b')).status, 200);
    assertLimited(await send('r-kill', 'GET', api(), '/c'), 'before the kill');
    // The levels reach state.db within the batch interval (1 s): wait until this session's bucket is there, empty.
    await waitFor('the batch written', () => {
      const db = new Database(join(d.dir, 'state.db'), { readonly: true, fileMustExist: true });
      try {
        const row = db.prepare('SELECT tokens FROM rate_buckets WHERE key LIKE ?').get('%"r-kill"%') as { tokens: number } | undefined;
        return Promise.resolve(row !== undefined && row.tokens < 1 ? true : undefined);
      } finally {
        db.close();
      }
    });
    const killed = await gate.stop('SIGKILL');
    assert.equal(killed.signal, 'SIGKILL');
    gate = await startCliGate(d.configFile);
    assertLimited(await send('r-kill', 'GET', api(), '/d'), 'after kill -9');
  });

  test('blast radius: one critical domain written, a restart (SIGTERM), then a second needs an approval (428)', async () => {
    assert.equal((await send('b-term', 'POST', `db.test:${up.port}`, '/rows')).status, 200);
    await gate.stop('SIGTERM');
    gate = await startCliGate(d.configFile);
    assert.equal((await send('b-term', 'POST', `db.test:${up.port}`, '/rows')).status, 200, 'the same domain again');
    const second = await send('b-term', 'POST', `billing.test:${up.port}`, '/invoices');
    assert.equal(second.status, 428, JSON.stringify(second.body));
    assert.match(String(second.body.reason), /already wrote to 1 critical domain\(s\) \(db\.test\)/);
  });

  test('blast radius: written through, so a kill -9 right after the first write loses nothing', async () => {
    assert.equal((await send('b-kill', 'POST', `db.test:${up.port}`, '/rows')).status, 200);
    await gate.stop('SIGKILL');
    gate = await startCliGate(d.configFile);
    const second = await send('b-kill', 'POST', `billing.test:${up.port}`, '/invoices');
    assert.equal(second.status, 428, JSON.stringify(second.body));
  });
});

describe('sluice mcp counts tool calls in the shared blast radius (state.db)', () => {
  let d: InitDir;
  let gate: CliGate;
  before(async () => {
    d = await initDir(`  - id: tools
    mcp:
      tools: ['**']
blast_radius:
  mcp_max_chain_depth: 3
`);
    await writeTools(join(d.dir, 'tools.json'), defaultTools());
    gate = await startCliGate(d.configFile);
  });
  after(async () => {
    await gate?.stop();
    if (d) await rm(dirname(d.dir), { recursive: true, force: true });
  });

  test("a session's calls through sluice mcp are in state.db: another process sees the session at its cap", async () => {
    const s = await connectStdio(gate, d.configFile, ['node', STDIO_FIXTURE, join(d.dir, 'tools.json'), join(d.dir, 'calls.jsonl')], { name: 'fixture' });
    try {
      for (let i = 0; i < 3; i++) await s.client.callTool({ name: 'tickets.delete', arguments: { id: String(i) } });
      await refusedWith(s.client.callTool({ name: 'tickets.delete', arguments: { id: '4' } }), 'chain_depth_exceeded');
      const db = new Database(join(d.dir, 'state.db'), { readonly: true, fileMustExist: true });
      let key: string;
      try {
        const rows = db.prepare('SELECT key, calls FROM blast_sessions').all() as { key: string; calls: number }[];
        const row = rows.find((r) => r.key.endsWith(`\u0000${s.session}`));
        assert.equal(row?.calls, 3, 'three calls counted, the refused one not');
        key = row.key;
      } finally {
        db.close();
      }
      // What a gate on this data directory does for the same session: its cap is reached.
      const other = openBlastRadiusStore(d.dir);
      try {
        assert.equal(other.toolCall(key, 3), false);
      } finally {
        await other.close();
      }
    } finally {
      await s.close();
    }
  });
});
