import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { fetch as undiciFetch, ProxyAgent } from 'undici';
import { startTestGate, type TestGate } from '../helpers/gate.js';
import { startMcpHttp, type McpHttpServer } from '../helpers/mcp-server.js';

const SECRET = `mcp-token-${randomBytes(16).toString('hex')}`;
let server: McpHttpServer;
let g: TestGate;

before(async () => {
  server = await startMcpHttp({ tls: true, names: ['tickets.test'], bearer: SECRET });
  g = await startTestGate(
    `
dns:
  hosts:
    tickets.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
rules:
  - id: tickets-server
    hosts: [tickets.test]
    credential:
      secret: tickets-token
      header: authorization
      value: "Bearer {{secret}}"
  - id: all-tools
    mcp: { tools: ['**'] }
`,
    { secrets: { 'tickets-token': SECRET } },
  );
});
after(async () => {
  await g.close();
  await server.close();
});

void test("the gate injects the MCP server's credential; the client never holds it, and the tool-call record names it", async () => {
  const dispatcher = new ProxyAgent({ uri: g.url, token: `Basic ${Buffer.from(`sluice:${g.token}`).toString('base64')}`, requestTls: { ca: g.caPem } });
  const seenHeaders: string[] = [];
  const transport = new StreamableHTTPClientTransport(new URL(`https://tickets.test:${server.port}/mcp`), {
    fetch: (input, init) => {
      seenHeaders.push(JSON.stringify(init?.headers ?? {}));
      return undiciFetch(input, { ...(init as object), dispatcher });
    },
  });
  const client = new Client({ name: 'no-token-client', version: '1.0.0' });
  await client.connect(transport);
  try {
    const r = await client.callTool({ name: 'tickets.create', arguments: { title: 'via gate' } });
    assert.match(JSON.stringify(r.content), /ok tickets.create/);
  } finally {
    await client.close();
  }
  assert.ok(
    seenHeaders.every((h) => !h.includes(SECRET)),
    'the client sent no credential',
  );
  const rec = g.audit.records.find((x) => x.protocol === 'mcp' && x.tool === 'tickets.create');
  assert.equal(rec?.credential, 'tickets-token');
  assert.ok(!JSON.stringify(g.audit.records).includes(SECRET));
  assert.ok(!JSON.stringify(g.logs).includes(SECRET));
});
