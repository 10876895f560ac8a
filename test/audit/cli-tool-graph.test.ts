import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteAuditSink } from '../../src/audit/sqlite-sink.js';
import { exec } from '../helpers/exec.js';
import type { ExecResult } from '../helpers/exec.js';
import { makeRecord, withTempDir } from './fixtures.js';

const MOD = new URL('../../src/cli/audit.js', import.meta.url).href;
const SCRIPT = `import(${JSON.stringify(MOD)}).then((m) => m.run(process.argv.slice(1))).then(
  (c) => { process.exitCode = c; },
  (e) => { process.stderr.write('sluice: ' + e.message + '\\n'); process.exitCode = e.name === 'UsageError' ? 2 : 1; })`;

function audit(args: readonly string[]): Promise<ExecResult> {
  return exec(process.execPath, ['-e', SCRIPT, '--', ...args]);
}

void test("audit query --session S --tools prints the session's tool calls in order, with outcome, rule and findings, and nothing of other sessions", async () => {
  await withTempDir(async (dir) => {
    const config = join(dir, 'sluice.yaml');
    writeFileSync(config, 'version: 1\n');
    const sink = new SqliteAuditSink(dir, { onError: (err) => assert.fail(err) });
    const base = Date.now() - 60_000;
    const mcp = { protocol: 'mcp' as const, server: 'tickets', method: 'tools/call', session: 'sess-g', parent_id: 'dec_parent_1' };
    sink.write(makeRecord(0, { ...mcp, tool: 'tickets.create', rule: 'tickets-create' }, base));
    sink.write(makeRecord(1, { session: 'sess-g', path: '/plain-http' }, base)); // an ordinary request: not a node
    sink.write(makeRecord(2, { ...mcp, tool: 'tickets.delete', outcome: 'deny', reason: 'rule_deny', rule: 'tickets-no-delete' }, base));
    sink.write(
      makeRecord(
        3,
        {
          ...mcp,
          tool: 'files.write',
          outcome: 'deny',
          reason: 'dlp_blocked',
          rule: 'files',
          findings: [{ type: 'aws_access_key_id', location: 'mcp.args:content', action: 'block', encoding: 'base64' }],
        },
        base,
      ),
    );
    sink.write(makeRecord(4, { ...mcp, session: 'sess-other', tool: 'other.tool' }, base));
    await sink.close();

    const r = await audit(['query', '--config', config, '--session', 'sess-g', '--tools']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^session sess-g \(tenant acme, agent agent-a\): 3 tool calls$/);
    const nodes = lines.filter((l) => /^\s+\d+\s/.test(l));
    assert.equal(nodes.length, 3);
    assert.match(nodes[0]!, /tickets → tickets\.create\s+allow\s+rule tickets-create/);
    assert.match(nodes[1]!, /tickets → tickets\.delete\s+deny \(rule_deny\)\s+rule tickets-no-delete/);
    assert.match(nodes[2]!, /tickets → files\.write\s+deny \(dlp_blocked\)/);
    assert.ok(lines.some((l) => l.includes('↳ aws_access_key_id at mcp.args:content (base64): block')));
    assert.ok(!r.stdout.includes('other.tool'));
    assert.ok(!r.stdout.includes('/plain-http'));

    const bad = await audit(['query', '--config', config, '--tools']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--tools draws one session/);
  });
});
