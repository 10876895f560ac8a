import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { LeafMinter } from '../../src/tls/leaf-minter.js';
import { exec } from '../helpers/exec.js';
import { startTestGate, type TestGate } from '../helpers/gate.js';
import { upstreamPki } from '../helpers/pki.js';

describe('route with mutual TLS', () => {
  let server: Server;
  let port: number;
  let g: TestGate;
  let seenClientCn: string | null = null;

  before(async () => {
    const pki = await upstreamPki();
    const serverMinter = new LeafMinter(pki.ca);
    const serverLeaf = serverMinter.mint('127.0.0.4');
    // A server that accepts only clients presenting a certificate from the test CA.
    server = createServer({ key: serverMinter.keyPem, cert: serverLeaf.chainPem, ca: [pki.caPem], requestCert: true, rejectUnauthorized: true }, (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      seenClientCn = typeof peer.subject?.CN === 'string' ? peer.subject.CN : null;
      res.end('private hello\n');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.4', r));
    port = (server.address() as AddressInfo).port;
    // A client certificate (extendedKeyUsage clientAuth) issued by the test CA with openssl.
    const dir = pki.dir;
    const key = join(dir, 'client-key.pem');
    const csr = join(dir, 'client.csr');
    const ext = join(dir, 'client.ext');
    await writeFile(ext, 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n');
    const ok = (r: { code: number | null; stderr: string }): void => assert.equal(r.code, 0, r.stderr);
    ok(
      await exec('openssl', [
        'req',
        '-new',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        key,
        '-out',
        csr,
        '-subj',
        '/CN=sluice-gate.client',
      ]),
    );
    ok(
      await exec('openssl', [
        'x509',
        '-req',
        '-in',
        csr,
        '-CA',
        pki.caFile,
        '-CAkey',
        join(dir, 'upstream-ca-key.pem'),
        '-CAcreateserial',
        '-days',
        '2',
        '-extfile',
        ext,
        '-out',
        join(dir, 'client.pem'),
      ]),
    );
    g = await startTestGate(`
routes:
  vault:
    url: https://127.0.0.4:${port}
    ca: ${pki.caFile}
    cert: ${join(dir, 'client.pem')}
    key: ${join(dir, 'client-key.pem')}
  vault-no-cert:
    url: https://127.0.0.4:${port}
    ca: ${pki.caFile}
rules:
  - id: vault
    hosts: [vault.acme.test]
    route: vault
  - id: vault-no-cert
    hosts: [nocert.acme.test]
    route: vault-no-cert
`);
  });
  after(async () => {
    await g.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  const get = (host: string) => exec('curl', ['-sS', '--proxy', g.proxyUrl, '--cacert', g.caFile, '-w', '\n%{http_code}', `https://${host}/secret`]);

  test('the gate presents the route client certificate; the agent holds none', async () => {
    const r = await get('vault.acme.test');
    assert.match(r.stdout, /^private hello\n\n200$/);
    assert.equal(seenClientCn, 'sluice-gate.client');
    assert.equal(g.audit.records.at(-1)?.route, 'vault');
  });

  test('the same upstream without the client certificate refuses the handshake: 502 upstream_tls_failed', async () => {
    const r = await get('nocert.acme.test');
    assert.match(r.stdout, /"error":"upstream_(tls_failed|failed|unreachable)"/);
    assert.match(r.stdout, /\n502$/);
  });
});
