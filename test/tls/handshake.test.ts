import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  checkServerIdentity,
  connect,
  createServer as createTlsServer,
  TLSSocket,
  type ConnectionOptions,
  type DetailedPeerCertificate,
  type SecureContext,
} from 'node:tls';
import { LeafCertCache } from '../../src/tls/leaf-cache.js';
import { writeClientBundle } from '../../src/tls/trust.js';
import { freshCa, run } from './fixtures.js';

const { dir, certPath, ca } = await freshCa();
const cache = new LeafCertCache(ca);

function sni(name: string, cb: (err: Error | null, ctx?: SecureContext) => void): void {
  cache.get(name).then(
    (ctx) => cb(null, ctx),
    (err: unknown) => cb(err instanceof Error ? err : new Error(String(err))),
  );
}

async function listen(server: Server, host: string): Promise<number> {
  // Track raw connections and destroy them at teardown: a socket handed to a
  // TLSSocket never reports 'close' to its server, so close() alone could wait forever.
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => sockets.add(s));
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return (server.address() as AddressInfo).port;
}

/** A TLS server that, like the gate after CONNECT, knows the target host and serves its leaf. */
async function serverFor(targetHost: string, bindHost: string): Promise<number> {
  const server = createNetServer((raw) => {
    const tlsSocket = new TLSSocket(raw, { isServer: true, secureContext: cache.getSync(targetHost) });
    tlsSocket.on('error', () => raw.destroy());
    tlsSocket.end('hello');
  });
  return listen(server, bindHost);
}

interface Outcome {
  authorized: boolean;
  error?: Error & { code?: string };
  peer?: DetailedPeerCertificate;
  data: string;
}

function handshake(opts: ConnectionOptions): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = connect(opts);
    let data = '';
    let peer: DetailedPeerCertificate | undefined;
    socket.setEncoding('utf8');
    socket.on('secureConnect', () => {
      peer = socket.getPeerCertificate(true);
    });
    socket.on('data', (d: string) => (data += d));
    socket.on('end', () => resolve({ authorized: socket.authorized, ...(peer ? { peer } : {}), data }));
    socket.on('error', (error: Error & { code?: string }) => resolve({ authorized: false, error, data }));
  });
}

void test('real handshake by SNI for a DNS name: trusted, name checked, chain includes the CA', async () => {
  const port = await listen(
    createTlsServer({ SNICallback: sni }, (s) => s.end('hello')),
    '127.0.0.1',
  );
  const ok = await handshake({ host: '127.0.0.1', port, servername: 'example.test', ca: [ca.certPem] });
  assert.equal(ok.error, undefined);
  assert.equal(ok.authorized, true);
  assert.equal(ok.data, 'hello');
  assert.ok(ok.peer);
  assert.equal(checkServerIdentity('example.test', ok.peer), undefined);
  assert.ok(checkServerIdentity('other.test', ok.peer) instanceof Error);
  assert.equal(ok.peer.issuerCertificate.fingerprint256, new X509Certificate(ca.certPem).fingerprint256, 'CA sent in the chain');
  // Without the Sluice CA the same server is not trusted.
  const untrusted = await handshake({ host: '127.0.0.1', port, servername: 'example.test' });
  assert.equal(untrusted.authorized, false);
  assert.ok(untrusted.error);
});

void test('real handshake for IP literals (no SNI): 127.0.0.1 and ::1 verify as IP SANs', async () => {
  for (const ip of ['127.0.0.1', '::1']) {
    const port = await serverFor(ip, ip);
    // No servername: Node checks the certificate against the IP it dialled.
    const ok = await handshake({ host: ip, port, ca: [ca.certPem] });
    assert.equal(ok.error, undefined, `${ip}: ${String(ok.error)}`);
    assert.equal(ok.authorized, true);
    assert.equal(ok.data, 'hello');
    assert.ok(ok.peer);
    assert.equal(checkServerIdentity(ip, ok.peer), undefined);
    assert.ok(checkServerIdentity(ip === '::1' ? '::2' : '127.0.0.2', ok.peer) instanceof Error);
    assert.ok(checkServerIdentity('example.test', ok.peer) instanceof Error);
  }
});

void test('real handshake fails when the certificate is for a different name', async () => {
  const port = await serverFor('example.test', '127.0.0.1');
  const wrong = await handshake({ host: '127.0.0.1', port, servername: 'other.test', ca: [ca.certPem] });
  assert.equal(wrong.error?.code, 'ERR_TLS_CERT_ALTNAME_INVALID');
  const ipForName = await handshake({ host: '127.0.0.1', port, ca: [ca.certPem] });
  assert.equal(ipForName.error?.code, 'ERR_TLS_CERT_ALTNAME_INVALID');
});

void test('curl trusts the gate with --cacert ca.pem, and with the client bundle; not without', async () => {
  const server = createHttpsServer({ SNICallback: sni }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('through the gate\n');
  });
  const port = await listen(server, '127.0.0.1');
  const url = `https://example.test:${port}/`;
  const resolve = ['--resolve', `example.test:${port}:127.0.0.1`];
  const withCa = await run('curl', ['-sS', '-o', '-', '-w', '\n%{http_code}', '--cacert', certPath, ...resolve, url]);
  assert.equal(withCa.code, 0, withCa.stderr);
  assert.equal(withCa.stdout, 'through the gate\n\n200');

  const bundlePath = join(dir, 'client-bundle.pem');
  await writeClientBundle(bundlePath, ca.certPem);
  const withBundle = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', bundlePath, ...resolve, url]);
  assert.equal(withBundle.code, 0, withBundle.stderr);
  assert.equal(withBundle.stdout, '200');

  // Trusting some other CA instead: curl must refuse the gate's certificate (exit 60).
  const other = await freshCa();
  const without = await run('curl', ['-sS', '-o', '/dev/null', '--cacert', other.certPath, ...resolve, url]);
  assert.equal(without.code, 60, `curl must refuse: exit ${without.code} ${without.stderr}`);
});
