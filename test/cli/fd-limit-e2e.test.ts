/**
 * A gate started under a small open-files limit (`ulimit -n 300`) and flooded with more
 * concurrent connections than it has descriptors for: it says at start that it lowered
 * `limits.max_connections`, and every connection gets an HTTP answer (served, or 503
 * `overloaded`), none is reset or closed silently.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { initDir, sluice } from '../helpers/cli.js';
import { waitFor } from '../helpers/cli-e2e.js';
import { SLUICE_BIN } from '../helpers/exec.js';

const N = 200;
const held: ServerResponse[] = [];
const upstream = createServer((_req, res) => held.push(res));
let gatePid: number | undefined;

after(() => {
  if (gatePid !== undefined) process.kill(gatePid, 'SIGKILL');
  upstream.closeAllConnections();
  upstream.close();
});

test('past the open-files limit every connection is answered, none reset', async () => {
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const port = (upstream.address() as AddressInfo).port;
  const d = await initDir(`  - id: upstream
    hosts: [api.upstream.test]
dns:
  hosts:
    api.upstream.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
`);
  const tok = await sluice(['token', '--tenant', 'acme', '--agent', 'many', '--config', d.configFile]);
  assert.equal(tok.code, 0, tok.stderr);
  const auth = `Basic ${Buffer.from(`sluice:${tok.stdout.trim()}`).toString('base64')}`;
  const child = spawn('sh', ['-c', `ulimit -n 300 && exec "$0" "$1" start --config "$2" --listen 127.0.0.1:0`, process.execPath, SLUICE_BIN, d.configFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  gatePid = child.pid;
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  const gatePort = await waitFor('the gate to listen', () => /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1], 15_000).then(Number);
  // The log line goes to stderr, which may arrive after stdout's 'listening'.
  await waitFor('the lowered limit to be logged', () => (/limits\.max_connections lowered to fit the open-files limit/.test(err) ? true : undefined), 5_000);

  let answered = 0;
  const results = Array.from(
    { length: N },
    (_, i) =>
      new Promise<{ text: string; error: string | null }>((resolve) => {
        const s = connect({ port: gatePort, host: '127.0.0.1' });
        let text = '';
        let error: string | null = null;
        s.on('data', (c: Buffer) => {
          if (text === '') answered++;
          text += c.toString('latin1');
        });
        s.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
        s.on('close', () => resolve({ text, error }));
        s.write(`GET http://api.upstream.test:${port}/c/${i} HTTP/1.1\r\nhost: api.upstream.test\r\nproxy-authorization: ${auth}\r\nconnection: close\r\n\r\n`);
        s.setTimeout(20_000, () => s.destroy());
      }),
  );
  // Every connection is either answered already (refused) or held upstream (served, below).
  await waitFor('every connection answered or held upstream', () => (answered + held.length >= N ? true : undefined), 20_000);
  for (const r of held.splice(0)) r.end('ok');
  const all = await Promise.all(results);
  const bad = all
    .map((r, i) => ({ i, ...r }))
    .filter((r) => !/^HTTP\/1\.1 (200|503) /.test(r.text) || (r.text.startsWith('HTTP/1.1 503') && !r.text.includes('"error":"overloaded"')));
  assert.deepEqual(bad.slice(0, 3), [], `${bad.length} of ${N} connections were not answered 200 or 503 overloaded`);
  assert.ok(
    all.some((r) => r.text.startsWith('HTTP/1.1 503')),
    'the flood never reached the limit',
  );
  assert.equal(child.exitCode, null, 'the gate exited');
});
