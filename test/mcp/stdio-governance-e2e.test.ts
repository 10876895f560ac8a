/**
 * `sluice mcp` (the MCP SDK client spawning the real CLI around the stdio fixture,
 * next to a gate from `sluice start`) under the operator's governance: a tool rule's
 * `redact:` replaces fields of tool results (structuredContent and JSON text), a
 * result that cannot be redacted is refused, and `sluice kill` (another process)
 * refuses tool calls with a JSON-RPC error naming gate_killed and the kill until
 * `--off`. Canary values of redacted fields reach neither the client, audit.db nor
 * any log.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REDACTED_MARKER } from '../../src/inspect/redact-paths.js';
import { initDir, sluice, startCliGate, type CliGate, type InitDir } from '../helpers/cli.js';
import { auditQuery, waitForAudit } from '../helpers/cli-e2e.js';
import { connectStdio, refusedWith, STDIO_FIXTURE, writeTools, type StdioSession } from '../helpers/mcp-stdio.js';
import { CRM_RECORD, defaultTools } from '../helpers/mcp-tools.js';

const CANARIES = [CRM_RECORD.SSN, CRM_RECORD.session.token];
const obj = { type: 'object' as const, properties: {} };

describe('sluice mcp: redact: on tool results, and the kill switch', () => {
  let d: InitDir;
  let gate: CliGate;
  let toolsFile: string;
  let callsFile: string;
  let s: StdioSession;

  before(async () => {
    d = await initDir(`  - id: crm-tools
    mcp:
      tools: ['crm.*']
    redact: [ssn, '$.session.token']
  - id: fixture-tools
    mcp:
      tools: ['tickets.*']
`);
    toolsFile = join(d.dir, 'tools.json');
    callsFile = join(d.dir, 'calls.jsonl');
    await writeTools(toolsFile, [
      ...defaultTools(),
      { name: 'crm.lookup', description: 'Look up a customer.', inputSchema: obj },
      { name: 'crm.note', description: 'Read the note on a customer.', inputSchema: obj },
    ]);
    gate = await startCliGate(d.configFile);
    s = await connectStdio(gate, d.configFile, ['node', STDIO_FIXTURE, toolsFile, callsFile], { name: 'crm' });
  });
  after(async () => {
    await s?.close();
    await gate?.stop();
  });

  const cli = async (...args: string[]): Promise<string> => {
    const r = await sluice([...args, '--config', d.configFile]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  };

  test('the named fields are replaced in structuredContent and in the JSON text; the record says partial_result', async () => {
    const r = (await s.client.callTool({ name: 'crm.lookup', arguments: {} })) as {
      structuredContent: typeof CRM_RECORD;
      content: { type: string; text: string }[];
    };
    assert.deepEqual(r.structuredContent, { ...CRM_RECORD, SSN: REDACTED_MARKER, session: { token: REDACTED_MARKER, ttl: 60 } });
    assert.deepEqual(JSON.parse(r.content[0]!.text), r.structuredContent);
    const rec = await waitForAudit(d.configFile, (x) => x.tool === 'crm.lookup', ['--reason', 'partial_result', '--session', s.session]);
    assert.deepEqual([rec.outcome, rec.rule, rec.transport], ['allow', 'crm-tools', 'stdio']);
    assert.deepEqual(
      rec.findings.map((f) => [f.type, f.location, f.detail]),
      [
        ['partial_result', 'mcp.result', 'ssn'],
        ['partial_result', 'mcp.result', '$.session.token'],
      ],
    );
    const everywhere = [JSON.stringify(r), JSON.stringify(await auditQuery(d.configFile)), s.stderr(), gate.stderr(), gate.stdout()].join('\n');
    for (const c of CANARIES) assert.ok(!everywhere.includes(c), `${c} leaked`);
  });

  test('a result whose text is not JSON cannot be redacted: refused response_unreadable, not passed on', async () => {
    const deny = await refusedWith(s.client.callTool({ name: 'crm.note', arguments: {} }), 'response_unreadable');
    assert.match(deny.reason, /rule crm-tools redacts fields of the result of tool crm\.note, but its content item 0 is not JSON/);
    assert.equal(deny.rule, 'crm-tools');
    const rec = await waitForAudit(d.configFile, (x) => x.tool === 'crm.note', ['--session', s.session]);
    assert.deepEqual([rec.outcome, rec.reason], ['deny', 'response_unreadable']);
    assert.ok(!JSON.stringify(deny).includes(CRM_RECORD.SSN));
  });

  test('sluice kill refuses tool calls with gate_killed naming the kill; they never reach the server; --off restores', async () => {
    const k = await cli('kill', '--reason', 'drill');
    const id = /^kill (k\d+) /.exec(k)?.[1] ?? assert.fail(k);
    const deny = await refusedWith(s.client.callTool({ name: 'tickets.create', arguments: { title: 'while-killed' } }), 'gate_killed');
    assert.equal(deny.rule, `kill:${id}`);
    assert.match(deny.reason, /the gate is killed \(kill k\d+\): drill/);
    assert.ok(!(await readFile(callsFile, 'utf8').catch(() => '')).includes('while-killed'), 'the call reached the server');
    const rec = await waitForAudit(d.configFile, (x) => x.tool === 'tickets.create', ['--reason', 'gate_killed', '--session', s.session]);
    assert.deepEqual([rec.outcome, rec.rule], ['deny', `kill:${id}`]);

    await cli('kill', '--off');
    const r = await s.client.callTool({ name: 'tickets.create', arguments: { title: 'after-off' } });
    assert.match(JSON.stringify(r), /ok tickets.create/);
  });
});
