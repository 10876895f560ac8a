import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, describe, test } from 'node:test';
import { initDir, sluice, startCliGate, type CliGate } from '../helpers/cli.js';

/** Bind the port ourselves: succeeds only once the gate has released it. */
function bind(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
}

function closeServer(s: Server): Promise<void> {
  return new Promise((resolve) => s.close(() => resolve()));
}

/** An open TCP connection to the gate, left idle. */
function openIdle(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1' }, () => resolve(s));
    s.once('error', reject);
  });
}

describe('sluice start: lifecycle', () => {
  const gates: CliGate[] = [];
  after(async () => {
    for (const g of gates) await g.stop('SIGKILL');
  });

  test('prints where it listens, the CA and the policy; SIGTERM exits 0 and frees the port', async () => {
    const d = await initDir();
    const g = await startCliGate(d.configFile);
    gates.push(g);
    const lines = g.stdout().split('\n');
    assert.equal(lines[0], `sluice listening on http://${g.address}`);
    // The rest of stdout may still be in flight; what is there must be right.
    const rest = await waitForStdout(g, /policy [0-9a-f]{12}: 0 rule\(s\)/);
    assert.ok(rest.includes(`CA certificate: ${d.caFile}`), rest);

    // An idle keep-alive client must not hold the gate open.
    const idle = await openIdle(g.port);
    const clientClosed = new Promise<void>((resolve) => idle.once('close', () => resolve()));
    idle.on('error', () => undefined);
    const exit = await g.stop('SIGTERM');
    assert.deepEqual(exit, { code: 0, signal: null }, g.stderr());
    await clientClosed;
    const s = await bind(g.port);
    await closeServer(s);
  });

  test('SIGINT (Ctrl-C) also exits 0 and logs the stop', async () => {
    const d = await initDir();
    const g = await startCliGate(d.configFile);
    gates.push(g);
    const exit = await g.stop('SIGINT');
    assert.deepEqual(exit, { code: 0, signal: null }, g.stderr());
    const stopping = g.logLines().find((l) => l.msg === 'stopping');
    assert.equal(stopping?.signal, 'SIGINT', g.stderr());
    await closeServer(await bind(g.port));
  });

  test('a port already taken: exit 1 with a message, not a stack trace', async () => {
    const d = await initDir();
    const holder = await bind(0);
    try {
      const port = (holder.address() as { port: number }).port;
      const r = await sluice(['start', '--config', d.configFile, '--listen', `127.0.0.1:${port}`]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: the port is already in use`));
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      assert.equal(r.stdout, '');
    } finally {
      await closeServer(holder);
    }
  });
});

async function waitForStdout(g: CliGate, re: RegExp): Promise<string> {
  const until = Date.now() + 5000;
  while (!re.test(g.stdout())) {
    if (Date.now() > until) throw new Error(`stdout never matched ${re}: ${g.stdout()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return g.stdout();
}
