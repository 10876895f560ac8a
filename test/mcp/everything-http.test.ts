import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { fetch as undiciFetch, ProxyAgent } from 'undici';
import { startTestGate, type TestGate } from '../helpers/gate.js';
import { startEverything, type Everything } from '../helpers/mcp-everything.js';

// An AWS access key id shape with a random body: DLP knows the pattern, nobody knows the value.
const CANARY = `AKIA${randomBytes(8).toString('hex').toUpperCase()}`;

function viaGate(g: TestGate): (input: string | URL, init?: RequestInit) => Promise<Response> {
  const dispatcher = new ProxyAgent({ uri: g.url, proxyTunnel: false, token: `Basic ${Buffer.from(`sluice:${g.token}`).toString('base64')}` });
  return (input, init) => undiciFetch(input, { ...(init as object), dispatcher });
}

async function session(transport: Transport): Promise<Client> {
  const client = new Client({ name: 'sluice-test-client', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

describe('@modelcontextprotocol/server-everything through the gate, both HTTP transports', () => {
  let streamable: Everything;
  let sse: Everything;
  let g: TestGate;
  before(async () => {
    [streamable, sse] = await Promise.all([startEverything('streamableHttp'), startEverything('sse')]);
    g = await startTestGate(`
dns:
  hosts:
    everything.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
rules:
  - id: everything
    hosts: [everything.test]
  - id: echo-only
    mcp: { tools: [echo, get-sum] }
`);
  });
  after(async () => {
    await g.close();
    await Promise.all([streamable.close(), sse.close()]);
  });

  for (const kind of ['streamableHttp', 'sse'] as const) {
    test(`${kind}: echo works, a secret in its argument is refused, and both calls are audited with the server and tool`, async () => {
      const port = kind === 'sse' ? sse.port : streamable.port;
      const fetch = viaGate(g);
      const transport =
        kind === 'sse'
          ? new SSEClientTransport(new URL(`http://everything.test:${port}/sse`), { fetch })
          : new StreamableHTTPClientTransport(new URL(`http://everything.test:${port}/mcp`), { fetch });
      const client = await session(transport);
      try {
        const { tools } = await client.listTools();
        assert.ok(tools.some((t) => t.name === 'echo'));
        // Deny by default: a tool no rule allows is not listed, and a direct call is refused.
        assert.ok(!tools.some((t) => t.name === 'get-env'), 'get-env is withheld from tools/list');
        await assert.rejects(
          client.callTool({ name: 'get-env', arguments: {} }),
          (err: Error & { code?: number; data?: { error?: string; rule?: string } }) => {
            assert.equal(err.code, -32001);
            assert.equal(err.data?.error, 'policy_denied');
            assert.equal(err.data?.rule, 'default-deny');
            return true;
          },
        );
        const r = await client.callTool({ name: 'echo', arguments: { message: 'hello gate' } });
        assert.match(JSON.stringify(r.content), /Echo: hello gate/);
        await assert.rejects(
          client.callTool({ name: 'echo', arguments: { message: `token ${CANARY}` } }),
          (err: Error & { code?: number; data?: { error?: string } }) => {
            assert.equal(err.code, -32001);
            assert.equal(err.data?.error, 'dlp_blocked');
            return true;
          },
        );
      } finally {
        await client.close();
      }
      const recs = g.audit.records.filter((x) => x.protocol === 'mcp' && x.tool === 'echo' && x.port === port);
      assert.deepEqual(recs.map((x) => x.outcome).sort(), ['allow', 'deny']);
      assert.ok(
        g.audit.records.some((x) => x.protocol === 'mcp' && x.tool === 'get-env' && x.port === port && x.outcome === 'deny' && x.rule === 'default-deny'),
      );
      assert.ok(recs.every((x) => x.server === 'everything.test'));
      assert.ok(!JSON.stringify(g.audit.records).includes(CANARY));
    });
  }
});
