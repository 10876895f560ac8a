/**
 * `sluice explain` shows the rate limits an allowed request counts against; `sluice
 * policy check` refuses a bad one, naming its line.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { initDir, sluice, type InitDir } from '../helpers/cli.js';

const RULES = `  - id: github
    hosts: [api.github.com]
    rate_limit: { requests: 10, per: 1m, burst: 20, by: session }
  - id: no-admin
    hosts: [admin.example.com]
    action: deny
  - id: plain
    hosts: [plain.example.com]
  - id: create-slowly
    mcp: { tools: [tickets.create] }
    rate_limit: { requests: 5, per: 1h, by: agent }
rate_limits:
  per_host: { requests: 50, per: 1s }
identity:
  required: false
`;

describe('rate limits in the CLI', () => {
  let d: InitDir;
  before(async () => {
    d = await initDir(RULES);
  });
  after(async () => {
    await rm(dirname(d.dir), { recursive: true, force: true });
  });

  test("explain: the rule's limit, then the gate's, before the policy version", async () => {
    const r = await sluice(['explain', '--config', d.configFile, 'GET', 'https://api.github.com/repos']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^rate limit: rule github's rate limit \(10 requests per 1m, burst 20, per session\)\nrate limit: the gate's rate limit rate_limits\.per_host \(50 requests per 1s, per destination host\)\npolicy: /m,
    );
    const plain = await sluice(['explain', '--config', d.configFile, 'GET', 'https://plain.example.com/']);
    assert.doesNotMatch(plain.stdout, /rule plain's rate limit/);
    assert.match(plain.stdout, /^rate limit: the gate's rate limit rate_limits\.per_host/m);
    // A refused request counts against nothing.
    const denied = await sluice(['explain', '--config', d.configFile, 'GET', 'https://admin.example.com/']);
    assert.equal(denied.code, 3);
    assert.doesNotMatch(denied.stdout, /rate limit/);
  });

  test('explain --json: rate_limits lists each limit', async () => {
    const r = await sluice(['explain', '--config', d.configFile, '--json', 'GET', 'https://api.github.com/repos']);
    assert.equal(r.code, 0, r.stderr);
    const v = JSON.parse(r.stdout) as { rate_limits: unknown[] };
    assert.deepEqual(v.rate_limits, [
      { source: 'rule', rule: 'github', by: 'session', requests: 10, per: '1m', burst: 20 },
      { source: 'rate_limits.per_host', rule: null, by: 'host', requests: 50, per: '1s', burst: 50 },
    ]);
  });

  test("explain a tool call: its rule's limit only (text and --json)", async () => {
    const args = ['explain', '--config', d.configFile, '--mcp-server', 'mcp.example.com', '--tool', 'tickets.create'];
    const r = await sluice(args);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^rate limit: rule create-slowly's rate limit \(5 requests per 1h, per agent\)\npolicy: /m);
    assert.doesNotMatch(r.stdout, /rate_limits\.per_host/);
    const j = await sluice([...args, '--json']);
    assert.deepEqual((JSON.parse(j.stdout) as { rate_limits: unknown }).rate_limits, [
      { source: 'rule', rule: 'create-slowly', by: 'agent', requests: 5, per: '1h', burst: 5 },
    ]);
  });

  test('policy check: a valid limit passes; a bad one is refused with its line', async () => {
    const ok = await sluice(['policy', 'check', d.configFile]);
    assert.equal(ok.code, 0, ok.stderr);
    const bad = await initDir(`  - id: bad
    hosts: [x.example.com]
    rate_limit: { requests: 10, per: 1 minute, by: everyone }
`);
    try {
      const r = await sluice(['policy', 'check', bad.configFile]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /sluice\.yaml:\d+:\d+: rules\[\d+\]\.rate_limit\.per: unknown unit 'minute' in '1 minute'; use ms, s, m or h \(for example 30s\)/);
      assert.match(r.stderr, /rules\[\d+\]\.rate_limit\.by: expected one of identity, session, agent, tenant, host; got 'everyone'/);
    } finally {
      await rm(dirname(bad.dir), { recursive: true, force: true });
    }
  });
});
