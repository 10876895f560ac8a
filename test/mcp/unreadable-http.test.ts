/**
 * Protocol recognition fails closed, over HTTP: a JSON-RPC message the gate cannot
 * read the way the MCP SDK's own server (or client) reads it is refused, never passed
 * on unread. Client to server: 400 `jsonrpc_unreadable`, audited, nothing reaches the
 * server. Server to client: the answer becomes a JSON-RPC error. Ordinary JSON with
 * the same defects still passes.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { fetch as undiciFetch, ProxyAgent } from 'undici';
import { startTestGate, type TestGate } from '../helpers/gate.js';
import { mcpGateConfig } from '../helpers/mcp-http-gate.js';
import { startMcpHttp, type McpHttpServer } from '../helpers/mcp-server.js';

/** tickets.delete is denied (no rule allows it); tickets.create is allowed. */
const CONFIG = mcpGateConfig(`  - id: some-tools
    mcp: { tools: ['tickets.create', 'web.fetch'] }
`);

const DEEP = `${'['.repeat(100)}${']'.repeat(100)}`;

/** A tools/call as JSON text; `extra` goes inside its arguments. */
function call(id: string, name: string, extra = ''): string {
  return `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"${name}","arguments":{"id":"1"${extra}}}}`;
}

/** A call of the denied tool with raw `bytes` inside an argument string. */
function withBytes(id: string, bytes: number[]): Buffer {
  return Buffer.concat([
    Buffer.from(`{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"tickets.delete","arguments":{"id":"1","pad":"`),
    Buffer.from(bytes),
    Buffer.from('"}}}'),
  ]);
}

/** What a lenient server reads but the gate must refuse: each a call of the denied tool, or of an allowed one the gate would misread. */
const HOSTILE: Array<[string, Buffer]> = [
  ['nested deeper than the limit', Buffer.from(call('11', 'tickets.delete', `,"pad":${DEEP}`))],
  ['one invalid UTF-8 byte', withBytes('12', [0xff])],
  ['an escaped lone surrogate', Buffer.from(call('13', 'tickets.delete', ',"pad":"\\ud800"'))],
  ['a raw (UTF-8 encoded) lone surrogate', withBytes('14', [0xed, 0xa0, 0x80])],
  ['a byte order mark', Buffer.from(`\ufeff${call('15', 'tickets.delete')}`)],
  [
    'a duplicate name key, the denied tool last',
    Buffer.from(`{"jsonrpc":"2.0","id":16,"method":"tools/call","params":{"name":"tickets.create","arguments":{"title":"x"},"name":"tickets.delete"}}`),
  ],
  ['a case-variant method key', Buffer.from(`{"jsonrpc":"2.0","id":17,"method":"tools/call","METHOD":"tools/call","params":{"name":"tickets.delete"}}`)],
  ['an id beyond double precision', Buffer.from(call('12345678901234567891', 'tickets.create'))],
  ['trailing garbage', Buffer.from(`${call('18', 'tickets.delete')} x`)],
  [
    'an escaped jsonrpc key and a duplicate',
    Buffer.from(`{"\\u006asonrpc":"2.0","id":19,"method":"tools/call","params":{"name":"tickets.delete","name":"tickets.delete"}}`),
  ],
];

async function session(g: TestGate, url: string, dispatcher: ProxyAgent): Promise<Record<string, string>> {
  const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  const init = await undiciFetch(url, {
    method: 'POST',
    dispatcher,
    headers,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
    }),
  });
  await init.text();
  const sid = init.headers.get('mcp-session-id');
  assert.ok(sid, 'a session');
  const h = { ...headers, 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18' };
  await (
    await undiciFetch(url, { method: 'POST', dispatcher, headers: h, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) })
  ).text();
  return h;
}

describe('MCP over HTTP: a request the gate cannot read strictly is refused', () => {
  let server: McpHttpServer;
  let g: TestGate;
  let dispatcher: ProxyAgent;
  let plain: Server;
  let plainGot: Buffer[];
  before(async () => {
    server = await startMcpHttp();
    g = await startTestGate(CONFIG);
    dispatcher = new ProxyAgent({ uri: g.url, proxyTunnel: false, token: g.auth });
    plainGot = [];
    plain = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        plainGot.push(Buffer.concat(chunks));
        res.writeHead(200, { 'content-type': 'text/plain' }).end('stored');
      });
    });
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
  });
  after(async () => {
    await dispatcher.close();
    await g.close();
    await server.close();
    plain.closeAllConnections();
    await new Promise<void>((r) => plain.close(() => r()));
  });

  for (const [what, body] of HOSTILE) {
    test(`${what}: 400 jsonrpc_unreadable, audited, nothing reaches the server`, async () => {
      const url = `http://mcp.test:${server.port}/mcp`;
      const headers = await session(g, url, dispatcher);
      const before = server.calls.length;
      const r = await undiciFetch(url, { method: 'POST', dispatcher, headers, body });
      const text = await r.text();
      assert.equal(r.status, 400, text);
      const deny = JSON.parse(text) as { error: string; reason: string; decision_id: string };
      assert.equal(deny.error, 'jsonrpc_unreadable');
      assert.equal(r.headers.get('x-sluice-decision'), deny.decision_id);
      assert.equal(server.calls.length, before, 'the server ran nothing');
      const rec = g.audit.records.find((x) => x.decision_id === deny.decision_id);
      assert.equal(rec?.outcome, 'deny');
      assert.equal(rec?.reason, 'jsonrpc_unreadable');
    });
  }

  test('a JSON-RPC body in another declared charset (UTF-16) is refused', async () => {
    const url = `http://mcp.test:${server.port}/mcp`;
    const headers = await session(g, url, dispatcher);
    const r = await undiciFetch(url, {
      method: 'POST',
      dispatcher,
      headers: { ...headers, 'content-type': 'application/json; charset=utf-16le' },
      body: Buffer.from(call('20', 'tickets.delete'), 'utf16le'),
    });
    assert.equal(r.status, 400);
    assert.equal(((await r.json()) as { error: string }).error, 'jsonrpc_unreadable');
  });

  test('a content type that only contains "json" is no way around the guard', async () => {
    const url = `http://mcp.test:${server.port}/mcp`;
    const headers = await session(g, url, dispatcher);
    for (const type of ['application/json-rpc', 'application/x-json; charset=utf-8', 'Text/JSON']) {
      const r = await undiciFetch(url, { method: 'POST', dispatcher, headers: { ...headers, 'content-type': type }, body: call('23', 'tickets.delete') });
      assert.match(await r.text(), /policy_denied/, type);
    }
  });

  test('the same request read strictly is guarded as usual (denied tool refused, allowed tool runs)', async () => {
    const url = `http://mcp.test:${server.port}/mcp`;
    const headers = await session(g, url, dispatcher);
    const denied = await undiciFetch(url, { method: 'POST', dispatcher, headers, body: call('21', 'tickets.delete') });
    assert.match(await denied.text(), /policy_denied/);
    const before = server.calls.length;
    const ok = await undiciFetch(url, { method: 'POST', dispatcher, headers, body: call('22', 'tickets.create') });
    assert.match(await ok.text(), /ok tickets.create/);
    assert.equal(server.calls.length, before + 1);
  });

  test('ordinary JSON with the same defects and no JSON-RPC in it still passes', async () => {
    const url = `http://127.0.0.1:${(plain.address() as AddressInfo).port}/upload`;
    const bodies = [`{"user":12345678901234567891,"method":"POST","tags":{"a":1,"a":2}}`, `{"doc":${DEEP}}`, `{"id":1} {"id":2}`];
    for (const body of bodies) {
      const r = await undiciFetch(url.replace('127.0.0.1', 'mcp.test'), { method: 'POST', dispatcher, headers: { 'content-type': 'application/json' }, body });
      assert.equal(r.status, 200, `${body.slice(0, 30)}: ${await r.text()}`);
    }
    assert.equal(plainGot.length, bodies.length);
  });
});

/**
 * A shim in front of the SDK server that pads its tools/list answer with what the
 * client's reader tolerates: nesting past the gate's limit, or an invalid UTF-8 byte.
 */
async function startPaddingShim(target: number, mutate: (body: Buffer) => Buffer, asJson = false): Promise<{ port: number; close: () => Promise<void> }> {
  const shim = createServer((req, res) => {
    if (req.method === 'GET') {
      res.writeHead(405).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers))
          if (typeof v === 'string' && k !== 'host' && k !== 'content-length' && k !== 'connection') headers[k] = v;
        const up = await undiciFetch(`http://127.0.0.1:${target}${req.url}`, {
          method: req.method,
          headers,
          body: req.method === 'POST' ? Buffer.concat(chunks) : undefined,
        });
        let body: Buffer = Buffer.from(await up.arrayBuffer());
        const out: Record<string, string> = {};
        up.headers.forEach((v, k) => {
          if (k !== 'content-length' && k !== 'transfer-encoding' && k !== 'connection' && k !== 'content-encoding') out[k] = v;
        });
        // As a JSON body instead of the SDK's one-event stream, when asked.
        const data = /^data: (.*)$/m.exec(body.toString('latin1'));
        if (asJson && data) {
          body = Buffer.from(data[1]!, 'latin1');
          out['content-type'] = 'application/json';
        }
        body = mutate(body);
        res.writeHead(up.status, out).end(body);
      })().catch(() => res.destroy());
    });
  });
  await new Promise<void>((r) => shim.listen(0, '127.0.0.1', r));
  return {
    port: (shim.address() as AddressInfo).port,
    close: async () => {
      shim.closeAllConnections();
      await new Promise<void>((r) => shim.close(() => r()));
    },
  };
}

type Listed = string[] | (Error & { code?: number; data?: { error?: string } });

/** tools/list through the gate and `startPaddingShim` (answers mutated by `mutate`): the tool names the MCP SDK client saw, or its error. */
async function listToolsThrough(g: TestGate, serverPort: number, mutate: (body: Buffer) => Buffer, asJson?: boolean): Promise<Listed> {
  const shim = await startPaddingShim(serverPort, mutate, asJson);
  const dispatcher = new ProxyAgent({ uri: g.url, proxyTunnel: false, token: g.auth });
  const transport = new StreamableHTTPClientTransport(new URL(`http://mcp.test:${shim.port}/mcp`), {
    fetch: (input, init) => undiciFetch(input, { ...(init as object), dispatcher }),
  });
  const client = new Client({ name: 'sluice-test-client', version: '1.0.0' });
  try {
    await client.connect(transport);
    return await client.listTools().then(
      (l) => l.tools.map((t) => t.name),
      (err: Error & { code?: number; data?: { error?: string } }) => err,
    );
  } finally {
    await client.close().catch(() => undefined);
    await dispatcher.close();
    await shim.close();
  }
}

describe('MCP over HTTP: a server answer the gate cannot read strictly becomes a JSON-RPC error', () => {
  let server: McpHttpServer;
  let g: TestGate;
  before(async () => {
    server = await startMcpHttp();
    g = await startTestGate(`${CONFIG}mcp:\n  max_message_bytes: 65536\n`);
  });
  after(async () => {
    await g.close();
    await server.close();
  });

  const marker = Buffer.from('"tools":[');
  const padded =
    (pad: Buffer) =>
    (body: Buffer): Buffer => {
      const at = body.indexOf(marker);
      return at === -1 ? body : Buffer.concat([body.subarray(0, at), Buffer.from('"pad":'), pad, Buffer.from(','), body.subarray(at)]);
    };
  const pads: Array<[string, (body: Buffer) => Buffer, boolean?, string?]> = [
    ['padded with nesting past the limit (event stream)', padded(Buffer.from(DEEP))],
    ['padded with nesting past the limit (JSON body)', padded(Buffer.from(DEEP)), true],
    ['padded with an invalid UTF-8 byte (event stream)', padded(Buffer.from([0x22, 0xff, 0x22]))],
    ['padded with an invalid UTF-8 byte (JSON body)', padded(Buffer.from([0x22, 0xff, 0x22])), true],
    ['padded with a duplicate key', padded(Buffer.from('1,"pad":2'))],
    ['padded with a raw lone surrogate (JSON body)', padded(Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22])), true],
    ['with trailing bytes (JSON body)', (body) => (body.includes(marker) ? Buffer.concat([body, Buffer.from(' {"x":1}')]) : body), true],
    ['with its tools under a case-variant key', (body) => Buffer.from(body.toString('latin1').replace('"tools":[', '"Tools":['), 'latin1')],
    ['padded past mcp.max_message_bytes (JSON body)', padded(Buffer.from(`"${'x'.repeat(70_000)}"`)), true, 'message_too_large'],
  ];
  for (const [what, mutate, asJson, code] of pads) {
    test(`a tools/list answer ${what} is not passed on unfiltered`, async () => {
      const seen = await listToolsThrough(g, server.port, mutate, asJson);
      assert.ok(!Array.isArray(seen), `the client saw the unfiltered list: ${JSON.stringify(seen)}`);
      assert.equal(seen.code, -32001);
      assert.equal(seen.data?.error, code ?? 'jsonrpc_unreadable');
      const rec = g.audit.records.findLast((r) => r.protocol === 'mcp' && r.reason === (code ?? 'jsonrpc_unreadable'));
      assert.equal(rec?.method, 'tools/list');
      assert.equal(rec?.outcome, 'deny');
    });
  }
});

describe('MCP over HTTP: a long server answer (read in paced steps) is decided as a short one', () => {
  let server: McpHttpServer;
  let g: TestGate;
  before(async () => {
    server = await startMcpHttp();
    g = await startTestGate(`${CONFIG}mcp:\n  max_message_bytes: 1048576\n`);
  });
  after(async () => {
    await g.close();
    await server.close();
  });

  const marker = Buffer.from('"tools":[');
  // 300 KB of padding before the tools: past the 64 KiB from which answers are read in paced steps.
  const long = `"${'lorem ipsum '.repeat(25_000)}"`;
  const padded =
    (pad: string) =>
    (body: Buffer): Buffer => {
      const at = body.indexOf(marker);
      return at === -1 ? body : Buffer.concat([body.subarray(0, at), Buffer.from(`"pad":${pad},`), body.subarray(at)]);
    };
  const cases: Array<[string, (body: Buffer) => Buffer, string | null]> = [
    ['a clean long answer is passed on whole', padded(long), null],
    ['a duplicate key after 300 KB is refused', padded(`${long},"pad":1`), 'jsonrpc_unreadable'],
    ['a lone surrogate after 300 KB is refused', padded(`${long},"x":"\\ud800"`), 'jsonrpc_unreadable'],
    ['nesting past the limit after 300 KB is refused', padded(`[${long},${DEEP}]`), 'jsonrpc_unreadable'],
    [
      'an invalid UTF-8 byte after 300 KB is refused',
      (body) => {
        if (!body.includes(marker)) return body;
        const b = padded(long)(body);
        b[200_000] = 0xff;
        return b;
      },
      'jsonrpc_unreadable',
    ],
  ];
  for (const [what, mutate, code] of cases) {
    test(`JSON body: ${what}`, async () => {
      const seen = await listToolsThrough(g, server.port, mutate, true);
      if (code === null) {
        assert.ok(Array.isArray(seen) && seen.length > 0, `expected the tools: ${String(seen)}`);
        return;
      }
      assert.ok(!Array.isArray(seen), `the client saw the unfiltered list: ${JSON.stringify(seen)}`);
      assert.equal(seen.data?.error, code);
      const rec = g.audit.records.findLast((r) => r.protocol === 'mcp' && r.reason === code);
      assert.equal(rec?.method, 'tools/list');
    });
  }
});
