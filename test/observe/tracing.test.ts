/**
 * Traces over OTLP/HTTP to a local collector (a node http server receiving
 * /v1/traces, as JSON: the exporter's encoding): an exchange's span is the child of
 * the agent's `traceparent`, with decide / inspect / inject / upstream children; an
 * MCP tool call through the gate is a `tools/call <tool>` span with the MCP and GenAI
 * attribute names; a malformed traceparent is ignored, never refused; no secret (the
 * injected credential, a query string) is in what is exported. Off by default: no
 * tracer, no span.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { fetch as undiciFetch, ProxyAgent } from 'undici';
import { canary } from '../credentials/canary.js';
import { proxyRequest, startTestGate, type TestGate } from '../helpers/gate.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';
import { startMcpHttp, type McpHttpServer } from '../helpers/mcp-server.js';
import { parseTraceparent } from '../../src/observe/traceparent.js';
import { startCollector, type OtlpSpan } from '../helpers/otlp-collector.js';

function attr(s: OtlpSpan, key: string): unknown {
  const v = s.attributes.find((a) => a.key === key)?.value;
  return v === undefined ? undefined : Object.values(v)[0];
}

const traceId = (): string => randomBytes(16).toString('hex');
const spanId = (): string => randomBytes(8).toString('hex');

describe('traces: OTLP/HTTP to a local collector, parented by the agent', () => {
  const secret = canary('trace');
  const marker = `querymarker${process.pid}`;
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let up: Upstream;
  let mcp: McpHttpServer;
  let g: TestGate;
  const agent = { trace: traceId(), span: spanId() };
  const agentTool = { trace: traceId(), span: spanId() };
  before(async () => {
    collector = await startCollector();
    up = await startUpstream();
    mcp = await startMcpHttp();
    g = await startTestGate(
      `
dns:
  hosts: { api.upstream.test: 127.0.0.1, keyed.upstream.test: 127.0.0.1, mcp.test: 127.0.0.1 }
network:
  allow_private: [127.0.0.1/32]
rules:
  - id: open
    hosts: [api.upstream.test]
  - id: keyed
    hosts: [keyed.upstream.test]
    credential: { secret: api_key, header: authorization, value: "Bearer {{secret}}", allow_plaintext: true }
  - id: mcp-host
    hosts: [mcp.test]
  - id: all-tools
    mcp: { tools: ['**'] }
telemetry:
  service_name: sluice-test
  otlp:
    endpoint: ${collector.url}
    headers: { x-collector-key: collector-header-value }
`,
      { secrets: { api_key: secret } },
    );
  });
  after(async () => {
    await up.close();
    await mcp.close();
    await collector.close();
  });

  test('the exchange span is the child of the agent span, with decide, inspect, inject and upstream children', async () => {
    const tp = `00-${agent.trace}-${agent.span}-01`;
    const a = await proxyRequest(g, 'GET', `http://api.upstream.test:${up.port}/echo?ref=${marker}`, { headers: { traceparent: tp } });
    assert.equal(a.status, 200);
    // Forwarded as the agent sent it.
    assert.equal(up.seen.at(-1)?.headers.traceparent, tp);
    const k = await proxyRequest(g, 'GET', `http://keyed.upstream.test:${up.port}/echo`, { headers: { traceparent: tp } });
    assert.equal(k.status, 200);
    const bad = await proxyRequest(g, 'GET', `http://api.upstream.test:${up.port}/echo`, {
      headers: { traceparent: `00-${agent.trace.toUpperCase()}-${agent.span}-01` },
    });
    assert.equal(bad.status, 200, 'a malformed traceparent is ignored, never refused');
    const denied = await proxyRequest(g, 'GET', 'http://nowhere.example/x', { headers: { traceparent: tp } });
    assert.equal(denied.status, 403);

    // MCP over HTTP, the agent's tool call carrying its own traceparent.
    const dispatcher = new ProxyAgent({ uri: g.url, token: g.auth, proxyTunnel: false });
    const transport = new StreamableHTTPClientTransport(new URL(`http://mcp.test:${mcp.port}/mcp`), {
      fetch: (input, init) => undiciFetch(input, { ...(init as object), dispatcher }),
      requestInit: { headers: { traceparent: `00-${agentTool.trace}-${agentTool.span}-01` } },
    });
    const client = new Client({ name: 'trace-test', version: '1.0.0' });
    await client.connect(transport);
    await client.callTool({ name: 'tickets.create', arguments: { title: 'printer on fire' } });
    await client.close();
    await dispatcher.close();

    // Closing the gate exports what the batch processor holds.
    await g.close();
    const spans = collector.spans();
    assert.ok(
      collector.paths.every((p) => p.startsWith('POST /v1/traces application/json')),
      collector.paths.join('\n'),
    );

    const exchanges = spans.filter((s) => s.traceId === agent.trace && s.parentSpanId === agent.span);
    assert.equal(exchanges.length, 3, 'allowed, credentialed and denied: each a child of the agent span');
    const allowed = exchanges.find((s) => attr(s, 'sluice.rule') === 'open')!;
    assert.ok(allowed, 'the allowed exchange');
    assert.equal(allowed.name, 'GET');
    assert.equal(allowed.kind, 2, 'SERVER');
    assert.equal(attr(allowed, 'http.request.method'), 'GET');
    assert.equal(attr(allowed, 'url.path'), '/echo', 'the path, without its query');
    assert.equal(attr(allowed, 'server.address'), 'api.upstream.test');
    assert.equal(attr(allowed, 'sluice.outcome'), 'allow');
    assert.equal(attr(allowed, 'sluice.tenant'), 'acme');
    assert.equal(String(attr(allowed, 'http.response.status_code')), '200');
    const children = spans.filter((s) => s.parentSpanId === allowed.spanId).map((s) => s.name);
    for (const name of ['decide', 'inspect', 'inject', 'upstream']) assert.ok(children.includes(name), `${name} in ${children.join(', ')}`);
    const upstream = spans.find((s) => s.parentSpanId === allowed.spanId && s.name === 'upstream')!;
    assert.equal(upstream.kind, 3, 'CLIENT');

    const keyed = exchanges.find((s) => attr(s, 'sluice.rule') === 'keyed')!;
    assert.equal(attr(keyed, 'sluice.credential'), 'api_key', 'the credential by name');
    const deny = exchanges.find((s) => attr(s, 'sluice.outcome') === 'deny')!;
    assert.equal(attr(deny, 'sluice.reason'), 'no_rule_matched');
    assert.ok(!spans.some((s) => s.parentSpanId === deny.spanId && s.name === 'upstream'), 'a refusal has no upstream span');

    const roots = spans.filter((s) => s.parentSpanId === undefined && attr(s, 'sluice.rule') === 'open');
    assert.equal(roots.length, 1, 'the malformed traceparent: a trace of its own');
    assert.notEqual(roots[0]!.traceId, agent.trace);

    const toolSpan = spans.find((s) => s.name === 'tools/call tickets.create');
    assert.ok(toolSpan, spans.map((s) => s.name).join(', '));
    assert.equal(toolSpan.traceId, agentTool.trace, "the tool call is in the agent's trace");
    const carrier = spans.find((s) => s.spanId === toolSpan.parentSpanId)!;
    assert.equal(carrier.parentSpanId, agentTool.span, 'under the exchange that carried it, under the agent span');
    assert.equal(attr(toolSpan, 'mcp.method.name'), 'tools/call');
    assert.equal(attr(toolSpan, 'gen_ai.tool.name'), 'tickets.create');
    assert.equal(attr(toolSpan, 'gen_ai.operation.name'), 'execute_tool');

    const all = collector.bodies.join('\n');
    for (const bad of [secret, marker, g.token, 'collector-header-value', 'printer on fire'])
      assert.ok(!all.includes(bad), `exported spans hold no ${bad.slice(0, 14)}`);
  });
});

describe('traces: off by default', () => {
  test('no telemetry section: no tracer, and exchanges carry no trace', async () => {
    const up = await startUpstream();
    const g = await startTestGate(`
dns:
  hosts: { api.upstream.test: 127.0.0.1 }
network:
  allow_private: [127.0.0.1/32]
rules:
  - id: open
    hosts: [api.upstream.test]
`);
    try {
      const r = await proxyRequest(g, 'GET', `http://api.upstream.test:${up.port}/echo`, { headers: { traceparent: `00-${traceId()}-${spanId()}-01` } });
      assert.equal(r.status, 200);
      const services = (g.gate as unknown as { services: { tracing: unknown } }).services;
      assert.equal(services.tracing, null);
      assert.equal((g.gate as unknown as { tracing: unknown }).tracing, null);
    } finally {
      await g.close();
      await up.close();
    }
  });
});

describe('traces: a collector that is down', () => {
  // A close that waited on the collector for ever would hang here: the timeout fails it.
  test('requests are served as usual, and the gate still stops', { timeout: 60_000 }, async () => {
    const up = await startUpstream();
    // A port nothing listens on: the exporter's connections are refused.
    const gone = await startCollector();
    const url = gone.url;
    await gone.close();
    const g = await startTestGate(`
dns:
  hosts: { api.upstream.test: 127.0.0.1 }
network:
  allow_private: [127.0.0.1/32]
rules:
  - id: open
    hosts: [api.upstream.test]
telemetry:
  otlp:
    endpoint: ${url}
`);
    try {
      for (let i = 0; i < 5; i++) {
        const r = await proxyRequest(g, 'GET', `http://api.upstream.test:${up.port}/echo`, { headers: { traceparent: `00-${traceId()}-${spanId()}-01` } });
        assert.equal(r.status, 200);
      }
    } finally {
      await g.close();
      await up.close();
    }
  });
});

describe('traceparent: strict W3C parsing', () => {
  const t = '4bf92f3577b34da6a3ce929d0e0e4736';
  const s = '00f067aa0ba902b7';
  test('valid headers parse, with the sampled flag', () => {
    assert.deepEqual(parseTraceparent(`00-${t}-${s}-01`), { traceId: t, spanId: s, flags: 1 });
    assert.deepEqual(parseTraceparent(`00-${t}-${s}-00`), { traceId: t, spanId: s, flags: 0 });
    assert.deepEqual(parseTraceparent(`01-${t}-${s}-01-future`), { traceId: t, spanId: s, flags: 1 }, 'a later version: the first four fields');
  });
  test('anything else is ignored', () => {
    for (const bad of [
      undefined,
      '',
      `00-${t.toUpperCase()}-${s}-01`,
      `00-${'0'.repeat(32)}-${s}-01`,
      `00-${t}-${'0'.repeat(16)}-01`,
      `ff-${t}-${s}-01`,
      `00-${t}-${s}-01-extra`,
      `00-${t}-${s}`,
      `00-${t.slice(1)}-${s}-01`,
      `0-${t}-${s}-01`,
    ])
      assert.equal(parseTraceparent(bad), null, String(bad));
    assert.equal(parseTraceparent([`00-${t}-${s}-01`, `00-${t}-${s}-01`]), null, 'two headers');
  });
});
