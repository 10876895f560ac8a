/**
 * The benchmark runner end to end: a directory of cases written here (not the
 * corpus), the real runner process, a real gate behind it. Proves the runner takes
 * any directory in the corpus schema, applies the profile, and prints exactly the
 * result lines and summary the contract asks for.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { exec, type ExecResult } from '../helpers/exec.js';
import type { BenchCase } from '../../conformance/case.js';
import { checkProfile, sluiceProfile } from '../../conformance/profile.js';
import { encodeClientFrame, expressibleByWs, messagesOf, wsCaseRequest, type WsFrame, type WsObservation } from '../../conformance/send-ws.js';
import { judge, judgeWs } from '../../conformance/verdict.js';

const RUNNER = new URL('../../conformance/run.js', import.meta.url).pathname;
const REPO = new URL('../../../', import.meta.url).pathname;

function benchCase(over: Record<string, unknown>): Record<string, unknown> {
  return {
    schema_version: 1,
    title: 'test case',
    description: 'written by the runner test',
    input_type: 'url',
    transport: 'fetch_proxy',
    severity: 'low',
    requires: [],
    false_positive_risk: 'low',
    why_expected: 'test',
    notes: '',
    source: '',
    ...over,
  };
}

const CASES: Record<string, Record<string, unknown>> = {
  'http/allow-docs-001.json': benchCase({
    id: 'allow-docs-001',
    category: 'false_positive',
    payload: { method: 'GET', url: 'https://docs.example.org/guide?page=2' },
    expected_verdict: 'allow',
    safe_example: true,
    capability_tags: ['benign'],
  }),
  'http/deep/ssrf-metadata-002.json': benchCase({
    id: 'ssrf-metadata-002',
    category: 'ssrf_bypass',
    payload: { method: 'GET', url: 'http://169.254.169.254/latest/meta-data/' },
    expected_verdict: 'block',
    capability_tags: ['ssrf_bypass'],
  }),
  'http/ssrf-https-hex-004.json': benchCase({
    id: 'ssrf-https-hex-004',
    category: 'ssrf_bypass',
    // The URL parser would rewrite 0x7f.1: sent by hand, CONNECT included.
    payload: { method: 'GET', url: 'https://0x7f.1/admin' },
    expected_verdict: 'block',
    capability_tags: ['ssrf_bypass'],
  }),
  'blocklist-003.json': benchCase({
    id: 'blocklist-003',
    category: 'url',
    payload: { method: 'GET', url: 'https://exfil-collector.example.net/beacon?x=1' },
    expected_verdict: 'block',
    capability_tags: ['domain_blocklist'],
  }),
  // WebSocket cases, through the gate to the fixture's echo server: wss:// (CONNECT +
  // interception) with a secret split across fragments, ws:// (absolute form) benign
  // text and binary, ws:// to the blocklist domain (refused before the upgrade), and a
  // frame with RSV1 (written by hand; the gate closes with 1002, which is not a 1008).
  'ws/ws-fragments-006.json': benchCase({
    id: 'ws-fragments-006',
    category: 'websocket_dlp',
    input_type: 'websocket_frame',
    transport: 'websocket',
    payload: {
      url: 'wss://chat.example.org/ws',
      frames: [
        { opcode: 'text', fin: false, payload: 'key=AKIAIOS' },
        { opcode: 'continuation', fin: true, payload: 'FODNN7EXAMPLE' },
      ],
    },
    expected_verdict: 'block',
    capability_tags: ['websocket_dlp'],
    requires: ['websocket_frame_scanning'],
  }),
  'ws/ws-benign-007.json': benchCase({
    id: 'ws-benign-007',
    category: 'websocket_dlp',
    input_type: 'websocket_frame',
    transport: 'websocket',
    payload: {
      url: 'ws://chat.example.org/ws?room=1',
      frames: [
        { opcode: 'text', payload: '{"text":"has anyone reviewed the pull request?"}' },
        { opcode: 'binary', encoding: 'base64', payload: 'AAECAwQF' },
      ],
    },
    expected_verdict: 'allow',
    safe_example: true,
    capability_tags: ['benign'],
    requires: ['websocket_frame_scanning'],
  }),
  'ws/ws-blocklist-008.json': benchCase({
    id: 'ws-blocklist-008',
    category: 'websocket_dlp',
    input_type: 'websocket_frame',
    transport: 'websocket',
    payload: { url: 'ws://exfil-collector.example.net/ws', frames: [{ opcode: 'text', payload: 'hello' }] },
    expected_verdict: 'block',
    capability_tags: ['domain_blocklist'],
    requires: ['websocket_frame_scanning'],
  }),
  'ws/ws-rsv1-009.json': benchCase({
    id: 'ws-rsv1-009',
    category: 'websocket_dlp',
    input_type: 'websocket_frame',
    transport: 'websocket',
    payload: { url: 'wss://chat.example.org/ws', frames: [{ opcode: 'text', rsv1: true, payload: 'not really deflated' }] },
    expected_verdict: 'block',
    capability_tags: ['websocket_dlp'],
    requires: ['websocket_frame_scanning'],
  }),
  // MCP over Streamable HTTP through the gate: an AWS key in a tool argument.
  'mcp/mcp-input-005.json': benchCase({
    id: 'mcp-input-005',
    category: 'mcp_input',
    input_type: 'mcp_tool_call',
    transport: 'mcp_http',
    payload: {
      jsonrpc_messages: [{ jsonrpc: '2.0', method: 'tools/call', params: { name: 'web_search', arguments: { query: 'AKIAIOSFODNN7EXAMPLE' } }, id: 1 }],
    },
    expected_verdict: 'block',
    capability_tags: ['mcp_input_scan'],
  }),
  // Not supported: a DNS-rebinding fixture. An A2A agent card, fetched through the gate.
  'http/rebind-006.json': benchCase({
    id: 'rebind-006',
    category: 'ssrf_bypass',
    payload: { method: 'GET', url: 'http://rebind.example.test/' },
    expected_verdict: 'block',
    capability_tags: ['ssrf_bypass'],
    requires: ['dns_rebinding_fixture'],
  }),
  'a2a/a2a-card-007.json': benchCase({
    id: 'a2a-card-007',
    category: 'a2a_agent_card',
    input_type: 'a2a_agent_card',
    transport: 'a2a',
    payload: { agent_card: { name: 'weather', skills: [] } },
    expected_verdict: 'allow',
    capability_tags: ['benign'],
    requires: ['a2a_scanning'],
  }),
};

let dir: string;
let run: ExecResult;
let lines: Record<string, unknown>[];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-runner-test-'));
  for (const [rel, c] of Object.entries(CASES)) {
    await mkdir(join(dir, 'cases', rel, '..'), { recursive: true });
    await writeFile(join(dir, 'cases', rel), JSON.stringify(c, null, 2));
  }
  run = await exec(process.execPath, [RUNNER, '--cases', join(dir, 'cases'), '--out', join(dir, 'results.jsonl')], { timeoutMs: 60_000, cwd: REPO });
  const out = run.stdout.trimEnd().split('\n');
  lines = out.slice(0, -1).map((l) => JSON.parse(l) as Record<string, unknown>);
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const byId = (id: string): Record<string, unknown> => {
  const l = lines.find((x) => x.case_id === id);
  assert.ok(l, `no result line for ${id}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  return l;
};

test('exits 0 and ends stdout and stderr with the summary line', () => {
  assert.equal(run.code, 0, run.stderr);
  const summary = 'results: 10 passed, 0 failed, 1 not_applicable, 0 errors (11 total)';
  assert.equal(run.stdout.trimEnd().split('\n').at(-1), summary);
  assert.equal(run.stderr.trimEnd().split('\n').at(-1), summary);
  assert.equal(lines.length, 11);
});

test('every result line has exactly the schema fields', () => {
  const keys = ['case_id', 'tool', 'tool_version', 'expected_verdict', 'actual_verdict', 'score', 'evidence', 'notes'];
  for (const l of lines) {
    assert.deepEqual(Object.keys(l), keys);
    assert.equal(l.tool, 'sluice');
    assert.equal(typeof l.tool_version, 'string');
    assert.equal(typeof l.evidence, 'object');
    assert.equal(typeof l.notes, 'string');
  }
});

test('a benign URL reaches the fixture through interception: allow', () => {
  const l = byId('allow-docs-001');
  assert.equal(l.actual_verdict, 'allow');
  assert.equal(l.score, 'pass');
  const e = l.evidence as Record<string, unknown>;
  assert.equal(e.http_status, 200);
  assert.equal(e.matched_signal, 'upstream_response');
  assert.equal(e.reached_upstream, true);
});

test('SSRF to the metadata address and to a hex loopback over https: block, nothing reaches upstream', () => {
  for (const id of ['ssrf-metadata-002', 'ssrf-https-hex-004']) {
    const l = byId(id);
    assert.equal(l.actual_verdict, 'block', JSON.stringify(l));
    assert.equal(l.score, 'pass');
    const e = l.evidence as Record<string, unknown>;
    assert.equal(e.http_status, 403);
    assert.equal(e.error, 'ssrf_blocked');
    assert.equal(e.matched_signal, 'deny_contract:ssrf_blocked');
    assert.match(String(e.decision_id), /^[0-9a-f-]{36}$/);
    assert.equal(e.reached_upstream, false);
  }
  assert.equal((byId('ssrf-https-hex-004').evidence as Record<string, unknown>).client, 'raw');
});

test('the blocklist domain: block by the blocklist rule', () => {
  const l = byId('blocklist-003');
  assert.equal(l.actual_verdict, 'block');
  const e = l.evidence as Record<string, unknown>;
  assert.equal(e.error, 'policy_denied');
  assert.equal(e.rule, 'bench-blocklist');
});

test('an MCP case goes through the gate: the tool call is refused with JSON-RPC -32001 before it reaches the fixture', () => {
  const l = byId('mcp-input-005');
  assert.equal(l.actual_verdict, 'block', JSON.stringify(l));
  const e = l.evidence as Record<string, unknown>;
  assert.equal(e.matched_signal, 'jsonrpc_deny:dlp_blocked');
  assert.equal(e.mcp_transport, 'mcp_http');
  assert.equal(e.requests_reached_upstream, 0);
});

test('an unsupported requirement (a DNS-rebinding fixture) is not_applicable and never run', () => {
  const l = byId('rebind-006');
  assert.equal(l.actual_verdict, 'not_applicable');
  assert.deepEqual(l.evidence, {});
  assert.match(String(l.notes), /dns_rebinding_fixture/);
});

test('an A2A agent card is fetched through the gate from its well-known URL and arrives unchanged', () => {
  const l = byId('a2a-card-007');
  assert.equal(l.actual_verdict, 'allow', JSON.stringify(l));
  const e = l.evidence as Record<string, unknown>;
  assert.equal(e.matched_signal, 'card_unchanged');
  assert.match(String(e.url), /\/\.well-known\/agent-card\.json$/);
});

test('--out holds the same result lines as stdout', async () => {
  const file = (await readFile(join(dir, 'results.jsonl'), 'utf8')).trimEnd().split('\n');
  assert.deepEqual(
    file.map((l) => JSON.parse(l) as unknown),
    lines,
  );
});

test('--strict exits 1 when a case fails; a broken case file stops the run with its path', async () => {
  const d = join(dir, 'strict');
  await mkdir(d);
  await writeFile(
    join(d, 'wrong.json'),
    JSON.stringify(
      benchCase({
        id: 'wrong-001',
        category: 'url',
        payload: { method: 'GET', url: 'https://docs.example.org/' },
        expected_verdict: 'block',
        capability_tags: ['benign'],
      }),
    ),
  );
  const strict = await exec(process.execPath, [RUNNER, '--cases', d, '--strict'], { timeoutMs: 60_000, cwd: REPO });
  assert.equal(strict.code, 1, strict.stderr);
  assert.equal(strict.stdout.trimEnd().split('\n').at(-1), 'results: 0 passed, 1 failed, 0 not_applicable, 0 errors (1 total)');

  await writeFile(join(d, 'broken.json'), '{"schema_version": 1, "id": ');
  const broken = await exec(process.execPath, [RUNNER, '--cases', d], { timeoutMs: 60_000, cwd: REPO });
  assert.equal(broken.code, 2);
  assert.match(broken.stderr, /broken\.json: not valid JSON/);
});

test('conformance/sluice-profile.json is the built-in profile, and valid', async () => {
  const pkg = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { version: string };
  const file = JSON.parse(await readFile(join(REPO, 'conformance', 'sluice-profile.json'), 'utf8')) as unknown;
  assert.deepEqual(file, sluiceProfile(pkg.version));
  checkProfile(file, 'sluice-profile.json');
});

test('verdict mapping: a body cut after the head is a block; a gate failure code is an error', () => {
  assert.equal(
    judge({ client: 'undici', status: 200, headers: { 'x-bench-fixture': 'sluice-conformance' }, body: 'par', cut: 'UND_ERR_SOCKET: other side closed' })
      .verdict,
    'block',
  );
  const failure = judge({
    client: 'undici',
    status: 502,
    headers: { 'x-sluice-decision': 'd1' },
    body: '{"error":"upstream_unreachable","reason":"x","rule":null,"decision_id":"d1"}',
  });
  assert.equal(failure.verdict, 'error');
  assert.equal(judge({ client: 'raw', status: 502, headers: {}, body: 'Bad Gateway' }).verdict, 'error');
  assert.equal(judge({ client: 'undici', status: 200, headers: {}, body: 'hi' }).verdict, 'error');
  assert.equal(
    judge({ client: 'undici', status: 403, headers: { 'x-sluice-decision': 'd2' }, body: '{"error":"dlp_blocked","decision_id":"d2"}' }).evidence
      .matched_signal,
    'deny_contract:dlp_blocked',
  );
});

test('WebSocket over wss://: a secret split across fragments is closed with 1008 before it reaches the echo server', () => {
  const l = byId('ws-fragments-006');
  assert.equal(l.actual_verdict, 'block', JSON.stringify(l));
  assert.equal(l.score, 'pass');
  const e = l.evidence as Record<string, unknown>;
  assert.equal(e.matched_signal, 'ws_close_1008:dlp_blocked');
  assert.equal(e.close_code, 1008);
  assert.equal(e.close_reason, 'sluice: policy violation dlp_blocked');
  assert.equal(e.frames_by, 'ws');
  assert.equal(e.reached_upstream, true); // the upgrade did
  assert.equal(e.messages_reached_upstream, 0); // the message did not
  const audit = e.audit as Record<string, unknown>;
  assert.equal(audit.outcome, 'deny');
  assert.equal(audit.route, 'fixture-https');
});

test('WebSocket over ws://: benign text and binary are echoed and the session closes normally: allow', () => {
  const l = byId('ws-benign-007');
  assert.equal(l.actual_verdict, 'allow', JSON.stringify(l));
  const e = l.evidence as Record<string, unknown>;
  assert.equal(e.matched_signal, 'ws_echo_normal_close');
  assert.equal(e.messages_echoed, 2);
  assert.equal(e.messages_reached_upstream, 2);
  assert.equal(e.close_code, 1000);
  assert.equal((e.audit as Record<string, unknown>).route, 'fixture-http');
});

test('WebSocket to the blocklist domain: the upgrade is refused with the deny contract', () => {
  const l = byId('ws-blocklist-008');
  assert.equal(l.actual_verdict, 'block', JSON.stringify(l));
  const e = l.evidence as Record<string, unknown>;
  assert.equal(e.ws_upgraded, false);
  assert.equal(e.matched_signal, 'deny_contract:policy_denied');
  assert.equal(e.rule, 'bench-blocklist');
  assert.equal(e.reached_upstream, false);
});

test('WebSocket RSV1 frame: written by hand; the gate closes with 1002 and withholds it: scored block', () => {
  const l = byId('ws-rsv1-009');
  assert.equal(l.actual_verdict, 'block', JSON.stringify(l));
  const e = l.evidence as Record<string, unknown>;
  assert.equal(e.frames_by, 'raw');
  assert.equal(e.matched_signal, 'ws_close_1002:withheld');
  assert.equal(e.messages_reached_upstream, 0);
});

test('WebSocket payloads: frames decoded, messages reassembled, ws-expressible sequences, client frames masked', () => {
  const asCase = (o: Record<string, unknown>): BenchCase => o as unknown as BenchCase;
  const c = wsCaseRequest(
    asCase({
      ...benchCase({ id: 'x', category: 'websocket_dlp', capability_tags: [], expected_verdict: 'block' }),
      payload: {
        url: 'wss://a.example/ws',
        frames: [
          { opcode: 'text', fin: false, payload: 'ab' },
          { opcode: 'continuation', payload: 'cd' },
          { opcode: 'binary', encoding: 'base64', payload: 'AAE=' },
        ],
      },
    }),
  );
  assert.equal(c.headers['x-bench-case'], 'x');
  assert.deepEqual(
    c.messages.map((m) => [m.binary, m.data.toString('hex')]),
    [
      [false, Buffer.from('abcd').toString('hex')],
      [true, '0001'],
    ],
  );
  const f = (opcode: WsFrame['opcode'], fin = true, rsv1 = false): WsFrame => ({ opcode, fin, rsv1, payload: Buffer.from('p') });
  assert.equal(expressibleByWs(c.frames), true);
  assert.equal(expressibleByWs([f('text', true, true)]), false);
  assert.equal(expressibleByWs([f('continuation')]), false);
  assert.equal(expressibleByWs([f('text', false)]), false);
  assert.deepEqual(messagesOf([f('text', false)]), []);
  const frame = encodeClientFrame({ opcode: 'text', fin: true, rsv1: true, payload: Buffer.from('hi') });
  assert.equal(frame[0], 0xc1);
  assert.equal(frame[1], 0x82);
  const mask = frame.subarray(2, 6);
  assert.equal(Buffer.from([frame[6]! ^ mask[0]!, frame[7]! ^ mask[1]!]).toString(), 'hi');
  assert.equal(encodeClientFrame({ opcode: 'binary', fin: true, rsv1: false, payload: Buffer.alloc(300) })[1], 0x80 | 126);
  assert.throws(
    () =>
      wsCaseRequest(
        asCase({ ...benchCase({ id: 'y', category: 'c', capability_tags: [], expected_verdict: 'block' }), payload: { url: 'https://a/', frames: [] } }),
      ),
    /not a ws/,
  );
});

test('WebSocket verdict mapping: 1008 with the gate reason blocks; echo and normal close allow; anything else errors', () => {
  const base: WsObservation = { client: 'ws', framesBy: 'ws', framesSent: 1, received: [], closedByRunner: false };
  const msg = [{ binary: false, data: Buffer.from('hi') }];
  assert.equal(
    judgeWs({ ...base, close: { code: 1008, reason: 'sluice: policy violation dlp_blocked' } }, msg).evidence.matched_signal,
    'ws_close_1008:dlp_blocked',
  );
  // 1008 from somewhere other than the gate is not the gate's block signal.
  assert.equal(judgeWs({ ...base, close: { code: 1008, reason: 'server says no' } }, msg).verdict, 'error');
  assert.equal(judgeWs({ ...base, received: msg, closedByRunner: true, close: { code: 1000, reason: '' } }, msg).verdict, 'allow');
  assert.equal(
    judgeWs({ ...base, received: [{ binary: false, data: Buffer.from('HI') }], closedByRunner: true, close: { code: 1000, reason: '' } }, msg).verdict,
    'error',
  );
  assert.equal(judgeWs({ ...base, close: { code: 1006, reason: '' } }, msg).evidence.matched_signal, 'ws_close_1006');
  assert.equal(judgeWs({ ...base, error: 'ECONNRESET' }, msg).evidence.matched_signal, 'no_response');
  const refused = judgeWs(
    { ...base, refused: { client: 'raw', status: 403, headers: { 'x-sluice-decision': 'd' }, body: '{"error":"policy_denied","decision_id":"d"}' } },
    msg,
  );
  assert.equal(refused.verdict, 'block');
  const fixtureNoUpgrade = judgeWs({ ...base, refused: { client: 'raw', status: 200, headers: { 'x-bench-fixture': 'sluice-conformance' }, body: 'ok' } }, msg);
  assert.equal(fixtureNoUpgrade.evidence.matched_signal, 'no_upgrade');
  const failure = judgeWs(
    { ...base, refused: { client: 'raw', status: 502, headers: { 'x-sluice-decision': 'd' }, body: '{"error":"upstream_failed","decision_id":"d"}' } },
    msg,
  );
  assert.equal(failure.evidence.matched_signal, 'gate_failure:upstream_failed');
});
