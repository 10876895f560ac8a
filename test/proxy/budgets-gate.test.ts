import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { AuditRecord } from '../../src/audit/fields.js';
import { startTestGate, type TestGate } from '../helpers/gate.js';
import { startLlmServer, type LlmServer } from '../helpers/llm-server.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';
import { isOpen, openThroughGate } from '../helpers/ws-client.js';
import { startWsEcho, type WsEcho } from '../helpers/ws-echo.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** Its audit record (the first written after it was sent: these tests send one request at a time). */
  record(): Promise<AuditRecord>;
}

/** One request through the proxy (absolute-form) as the agent holding `token`. */
export function send(g: TestGate, token: string, method: string, url: string, body?: string): Promise<Answer> {
  const from = g.audit.records.length;
  const record = (): Promise<AuditRecord> => recordAt(g, from);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: g.port,
        method,
        path: url,
        agent: false,
        headers: {
          'proxy-authorization': `Basic ${Buffer.from(`sluice:${token}`).toString('base64')}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, record }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

interface BudgetBody {
  error: string;
  reason: string;
  budget: { name: string; metric: string; limit: number; used: number; resets_at: string | null; state: string };
}

/** The record written at index `at` (when the exchange closes: a turn after the answer). */
async function recordAt(g: TestGate, at: number): Promise<AuditRecord> {
  for (let i = 0; i < 200; i++) {
    const r = g.audit.records[at];
    if (r) return r;
    await new Promise((res) => setTimeout(res, 10));
  }
  throw new Error(`no audit record at ${at}`);
}

describe('budgets: calls, writes and bytes per session, refused 429 budget_exhausted naming the budget', () => {
  let up: Upstream;
  let g: TestGate;
  before(async () => {
    up = await startUpstream();
    g = await startTestGate(`
dns:
  hosts: { calls.upstream.test: 127.0.0.1, writes.upstream.test: 127.0.0.1, bytes.upstream.test: 127.0.0.1, window.upstream.test: 127.0.0.1 }
network:
  allow_private: [127.0.0.1/32]
rules:
  - { id: calls, hosts: [calls.upstream.test] }
  - { id: writes, hosts: [writes.upstream.test], methods: [GET, POST] }
  - { id: bytes, hosts: [bytes.upstream.test], methods: [GET, POST] }
  - { id: window, hosts: [window.upstream.test] }
budgets:
  three-calls: { per: session, calls: 3, rules: [calls] }
  one-write: { per: session, writes: 1, rules: [writes] }
  bytes-out: { per: session, bytes_out: 1000, rules: [bytes] }
  bytes-in: { per: agent, bytes_in: 100, rules: [bytes] }
  hourly: { per: tenant, window: 1h, calls: 2, rules: [window] }
`);
  });
  after(async () => {
    await g.close();
    await up.close();
  });

  test("a session's fourth call with calls: 3 gets 429 naming the budget, its limit, the use; another session passes", async () => {
    const a = await g.mint({ session: 'calls-a' });
    const url = `http://calls.upstream.test:${up.port}/`;
    for (let i = 0; i < 3; i++) assert.equal((await send(g, a, 'GET', url)).status, 200);
    const r = await send(g, a, 'GET', url);
    assert.equal(r.status, 429);
    const body = JSON.parse(r.body) as BudgetBody;
    assert.equal(body.error, 'budget_exhausted');
    assert.deepEqual({ ...body.budget }, { name: 'three-calls', per: 'session', metric: 'calls', limit: 3, used: 3, resets_at: null, state: 'exhausted' });
    assert.match(
      body.reason,
      /^budget three-calls \(calls 3, per session, for its life, rules calls\) is exhausted \(calls 3 of 3\) for session calls-a; it does not reset$/,
    );
    assert.equal(r.headers['retry-after'], undefined);
    const rec = await r.record();
    assert.equal(rec.outcome, 'deny');
    assert.equal(rec.reason, 'budget_exhausted');
    assert.equal(rec.budget, 'three-calls');
    assert.equal(rec.status, 429);
    // Three upstream calls for the session, not four.
    assert.equal(up.seen.filter((s) => s.headers.host?.startsWith('calls.')).length, 3);
    assert.equal((await send(g, await g.mint({ session: 'calls-b' }), 'GET', url)).status, 200);
    const ok = g.audit.records.find((x) => x.session === 'calls-b');
    assert.equal(ok?.budget, 'three-calls');
  });

  test('writes: a non-safe method counts, a GET does not; the second POST is refused', async () => {
    const t = await g.mint({ session: 'writes-a' });
    const url = `http://writes.upstream.test:${up.port}/echo`;
    assert.equal((await send(g, t, 'POST', url, '{}')).status, 200);
    assert.equal((await send(g, t, 'GET', url)).status, 200);
    const r = await send(g, t, 'POST', url, '{}');
    assert.equal(r.status, 429);
    const body = JSON.parse(r.body) as BudgetBody;
    assert.equal(body.budget.name, 'one-write');
    assert.equal(body.budget.metric, 'writes');
    // Writes are spent: a GET still goes.
    assert.equal((await send(g, t, 'GET', url)).status, 200);
  });

  test('bytes: the answer that crosses bytes_out goes through whole, the next request is refused; bytes_in per agent likewise', async () => {
    const t = await g.mint({ session: 'bytes-a', agent: 'bytes-agent' });
    const big = await send(g, t, 'GET', `http://bytes.upstream.test:${up.port}/bytes?n=1500`);
    assert.equal(big.status, 200);
    assert.equal(big.body.length, 1500);
    await big.record();
    const r = await send(g, t, 'GET', `http://bytes.upstream.test:${up.port}/`);
    assert.equal(r.status, 429);
    const body = JSON.parse(r.body) as BudgetBody;
    assert.deepEqual([body.budget.name, body.budget.metric, body.budget.limit, body.budget.used], ['bytes-out', 'bytes_out', 1000, 1500]);

    // bytes_in counts what the agent sent, per agent across its sessions.
    const s1 = await g.mint({ session: 'in-1', agent: 'uploader' });
    const s2 = await g.mint({ session: 'in-2', agent: 'uploader' });
    const up1 = await send(g, s1, 'POST', `http://bytes.upstream.test:${up.port}/upload`, JSON.stringify({ pad: 'x'.repeat(150) }));
    assert.equal(up1.status, 200);
    await up1.record();
    const r2 = await send(g, s2, 'POST', `http://bytes.upstream.test:${up.port}/upload`, '{}');
    assert.equal(r2.status, 429);
    const b2 = JSON.parse(r2.body) as BudgetBody;
    assert.deepEqual([b2.budget.name, b2.budget.metric, b2.budget.used], ['bytes-in', 'bytes_in', 160]);
  });

  test('a windowed budget says when it resets, with Retry-After', async () => {
    const t = await g.mint({ tenant: 'windowed' });
    const url = `http://window.upstream.test:${up.port}/`;
    assert.equal((await send(g, t, 'GET', url)).status, 200);
    assert.equal((await send(g, t, 'GET', url)).status, 200);
    const r = await send(g, t, 'GET', url);
    assert.equal(r.status, 429);
    const body = JSON.parse(r.body) as BudgetBody;
    const resets = Date.parse(body.budget.resets_at ?? '');
    assert.equal(resets % 3_600_000, 0);
    assert.ok(resets > Date.now());
    assert.match(String(r.headers['retry-after']), /^\d+$/);
    assert.match(body.reason, /tenant windowed; it resets at \d{4}-/);
    // Another tenant has its own account.
    assert.equal((await send(g, await g.mint({ tenant: 'other' }), 'GET', url)).status, 200);
  });
});

describe('budgets: a WebSocket session counts a call, and its frames in bytes', () => {
  let echo: WsEcho;
  let g: TestGate;
  before(async () => {
    echo = await startWsEcho();
    g = await startTestGate(`
dns:
  hosts: { ws.upstream.test: 127.0.0.1 }
network:
  allow_private: [127.0.0.1/32]
rules:
  - { id: ws, hosts: [ws.upstream.test] }
budgets:
  ws-bytes: { per: session, calls: 5, bytes_out: 5000 }
`);
  });
  after(async () => {
    await g.close();
    await echo.close();
  });

  test('the bytes a WebSocket relayed are debited when it ends; the next upgrade is refused', async () => {
    const t = await g.mint({ session: 'ws-a' });
    const url = `ws://ws.upstream.test:${echo.port}/`;
    const ws = await openThroughGate(g, url, { token: t, perMessageDeflate: false });
    if (!isOpen(ws)) return assert.fail(`refused: ${ws.status} ${ws.body}`);
    for (let i = 0; i < 3; i++) {
      ws.ws.send('x'.repeat(2000));
      assert.equal(((await ws.next()) as string).length, 2000);
    }
    ws.ws.close();
    await ws.closed;
    await recordAt(g, 0);
    const rec = g.audit.records[0]!;
    assert.equal(rec.budget, 'ws-bytes');
    assert.ok(rec.bytes_out >= 6000, `bytes_out ${rec.bytes_out}`);
    const again = await openThroughGate(g, url, { token: t, perMessageDeflate: false });
    if (isOpen(again)) return assert.fail('a WebSocket past its budget was opened');
    assert.equal(again.status, 429);
    const body = JSON.parse(again.body) as BudgetBody;
    assert.deepEqual([body.budget.name, body.budget.metric, body.budget.used], ['ws-bytes', 'bytes_out', rec.bytes_out]);
  });
});

describe('budgets: LLM tokens and cost from OpenAI-, Anthropic- and Gemini-style answers', () => {
  let llm: LlmServer;
  let g: TestGate;
  let model = 'gpt-test-1';
  before(async () => {
    llm = await startLlmServer(() => ({ model, input: 30, output: 40 }));
    g = await startTestGate(`
dns:
  hosts: { openai.upstream.test: 127.0.0.1, anthropic.upstream.test: 127.0.0.1, gemini.upstream.test: 127.0.0.1 }
network:
  allow_private: [127.0.0.1/32]
rules:
  - { id: llm, hosts: ['*.upstream.test'], methods: [POST] }
budgets:
  tokens: { per: session, tokens: 100 }
llm:
  apis:
    - { host: openai.upstream.test, style: openai }
    - { host: anthropic.upstream.test, style: anthropic }
  prices:
    gpt-test*: { input: 1, output: 2 }
    claude-test: { input: 3, output: 15 }
`);
  });
  after(async () => {
    await g.close();
    await llm.close();
  });

  /** Calls until refused; the records of the calls that passed, and the refusal. */
  async function untilRefused(token: string, url: string, body: string): Promise<{ passed: AuditRecord[]; refused: BudgetBody }> {
    const passed: AuditRecord[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await send(g, token, 'POST', url, body);
      if (r.status === 429) return { passed, refused: JSON.parse(r.body) as BudgetBody };
      assert.equal(r.status, 200, r.body);
      passed.push(await r.record());
    }
    throw new Error('never refused');
  }

  for (const [name, host, path, stream] of [
    ['OpenAI chat completions, JSON', 'openai', '/v1/chat/completions', false],
    ['OpenAI chat completions, SSE with include_usage', 'openai', '/v1/chat/completions', true],
    ['OpenAI Responses API, JSON', 'openai', '/v1/responses', false],
    ['Anthropic messages, JSON', 'anthropic', '/v1/messages', false],
    ['Anthropic messages, SSE (message_start, message_delta)', 'anthropic', '/v1/messages', true],
    ['Gemini (by path), SSE', 'gemini', '/v1beta/models/gpt-test-g:streamGenerateContent?alt=sse', true],
  ] as const) {
    test(`${name}: 70 tokens a call, the third call refused at tokens: 100, cost on the record`, async () => {
      model = host === 'anthropic' ? 'claude-test' : 'gpt-test-1';
      const t = await g.mint({ session: `llm-${name.replace(/[^a-zA-Z]+/g, '-')}` });
      const body = JSON.stringify({ model, stream, ...(stream && host === 'openai' ? { stream_options: { include_usage: true } } : {}) });
      const { passed, refused } = await untilRefused(t, `http://${host}.upstream.test:${llm.port}${path}`, body);
      assert.equal(passed.length, 2);
      for (const rec of passed) {
        assert.equal(rec.tokens_in, 30);
        assert.equal(rec.tokens_out, 40);
        assert.equal(rec.budget, 'tokens');
        assert.equal(rec.model, host === 'gemini' ? 'gpt-test-1' : model);
        const cost = host === 'anthropic' ? (30 * 3 + 40 * 15) / 1e6 : (30 * 1 + 40 * 2) / 1e6;
        assert.ok(Math.abs((rec.cost ?? -1) - cost) < 1e-12, `cost ${rec.cost} != ${cost}`);
        assert.deepEqual(rec.findings, []);
      }
      assert.deepEqual(
        [refused.error, refused.budget.name, refused.budget.metric, refused.budget.used, refused.budget.limit],
        ['budget_exhausted', 'tokens', 'tokens', 140, 100],
      );
      // The gate asked the API for an unencoded answer (so its usage can be read).
      assert.equal(llm.seen.at(-1)?.acceptEncoding, 'identity');
    });
  }

  test('a model without a price: tokens counted, no cost, flagged llm_unknown_model', async () => {
    model = 'mystery-model';
    const t = await g.mint({ session: 'unknown-model' });
    const r = await send(g, t, 'POST', `http://openai.upstream.test:${llm.port}/v1/chat/completions`, '{}');
    assert.equal(r.status, 200);
    const rec = await r.record();
    assert.equal(rec.model, 'mystery-model');
    assert.equal(rec.cost, null);
    assert.equal(rec.tokens_in, 30);
    assert.deepEqual(
      rec.findings.map((f) => [f.type, f.action, f.detail]),
      [['llm_unknown_model', 'counted_by_bytes', 'no price in llm.prices for model mystery-model']],
    );
  });
});
