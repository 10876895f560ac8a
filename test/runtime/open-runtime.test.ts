import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { loadConfig } from '../../src/config/load.js';
import { ensureTokenKeys, loadSigningKey } from '../../src/identity/keys.js';
import type { Principal } from '../../src/identity/principal.js';
import { issueToken } from '../../src/identity/tokens.js';
import { openStdioServices } from '../../src/mcp/stdio/services.js';
import { Gate } from '../../src/proxy/gate.js';
import { openRuntime } from '../../src/runtime/index.js';
import { STATE_DB_FILE } from '../../src/state/index.js';
import { createCa, loadCa, writeCa } from '../../src/tls/ca.js';

const quiet = pino({ level: 'silent' });

function principal(session: string): Principal {
  const now = Date.now();
  return { tenant: 'acme', agent: 'bot', session, human: null, labels: {}, tokenId: 'tok_1', issuedAt: now, expiresAt: now + 60_000, policyVersion: null };
}

async function dataDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'sluice-runtime-'));
}

/** A config in a fresh data dir (the gate's defaults: audit.db on, identity required). */
async function configIn(dir: string, extra = ''): Promise<string> {
  const file = join(dir, 'sluice.yaml');
  await writeFile(file, `version: 1\nlisten: 127.0.0.1:0\nlog:\n  audit: false\n${extra}`);
  return file;
}

/** One proxied request for a host no rule allows; resolves with the decision id the gate answered. */
function proxied(port: number, token: string): Promise<{ status: number; decision: string }> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port,
      method: 'GET',
      path: 'http://nowhere.example/x',
      headers: { host: 'nowhere.example', 'proxy-authorization': `Basic ${Buffer.from(`sluice:${token}`).toString('base64')}` },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, decision: String(res.headers['x-sluice-decision'] ?? '') }));
    });
    req.on('error', reject);
    req.end();
  });
}

void test('a consumer gets only what it names: revocations alone open state.db, not the audit trail, the secret store or the keys', async () => {
  const dir = await dataDir();
  const rt = await openRuntime({ dataDir: dir }, { need: ['revocations'], revocations: { watch: false } });
  assert.equal(rt.backend, 'sqlite');
  assert.equal(rt.dataDir, dir);
  assert.deepEqual(rt.audit, {});
  for (const other of ['secrets', 'pins', 'verifier']) assert.equal(other in rt, false, other);
  assert.ok(existsSync(join(dir, STATE_DB_FILE)));
  for (const f of ['audit.db', 'master.key', 'secrets.json']) assert.equal(existsSync(join(dir, f)), false, f);
  const entry = await rt.revocations.revoke({ kind: 'session', value: 'ses_1', reason: 'test' });
  assert.deepEqual(
    rt.revocations.list().map((e) => e.id),
    [entry.id],
  );
  assert.equal(rt.revocations.isRevoked(principal('ses_1'))?.id, entry.id);
  // No token verify key in this folder: asking for the verifier is what fails, with the key loader's own error.
  await assert.rejects(openRuntime({ dataDir: dir }, { need: ['verifier'] }), /token verify key/);
  await rt.close();
  await rt.close(); // idempotent
  assert.throws(() => rt.revocations.isRevoked(principal('ses_1')), /closed/);
});

void test('a failure while opening closes what was already opened (the participant row is gone again)', async () => {
  const dir = await dataDir();
  const loaded = await loadConfig(await configIn(dir));
  // The audit writer needs a logger: this fails after revocations registered this process as a participant.
  await assert.rejects(
    openRuntime(loaded, { need: ['revocations', 'auditWriter'], revocations: { participant: 'gate' } }),
    /needs a loaded config and a logger/,
  );
  const db = new Database(join(dir, STATE_DB_FILE), { readonly: true });
  try {
    assert.equal((db.prepare('SELECT COUNT(*) AS n FROM participants').get() as { n: number }).n, 0);
  } finally {
    db.close();
  }
  assert.equal(existsSync(join(dir, 'audit.db')), false);
});

void test('the gate, sluice mcp and the CLI take the same services from one runtime; close() closes them, the gate does not', async () => {
  const dir = await dataDir();
  const { certPath, keyPath } = await writeCa(dir, await createCa());
  await ensureTokenKeys(dir);
  const loaded = await loadConfig(await configIn(dir));
  const rt = await openRuntime(loaded, { need: ['secrets', 'verifier', 'revocations', 'pins', 'auditWriter', 'auditReader'], logger: quiet });
  const gate = await Gate.start({ loaded, ca: await loadCa(certPath, keyPath), logger: quiet, runtime: rt });
  const mcp = await openStdioServices(loaded, quiet, () => undefined, undefined, rt);
  try {
    assert.equal(mcp.pins, rt.pins);
    assert.equal(mcp.audit, rt.audit.writer);
    const { token } = await issueToken(await loadSigningKey(dir), { tenant: 'acme', agent: 'bot', session: 'ses_rt', ttlMs: 60_000 });
    const first = await proxied(gate.address.port, token);
    assert.equal(first.status, 403);
    // A revocation written through the runtime is the gate's: its next request is refused as revoked.
    await rt.revocations.revoke({ kind: 'session', value: 'ses_rt', tenant: 'acme' });
    const second = await proxied(gate.address.port, token);
    assert.notEqual(second.decision, first.decision);
    await mcp.close();
    await gate.close();
    // The caller's runtime outlives the gate that used it.
    assert.equal(rt.revocations.list().length, 1);
    assert.deepEqual(await rt.pins.list(), []);
  } finally {
    await rt.close();
  }
  // close() flushed the audit trail the gate wrote through: a reader (as `sluice audit` opens it) finds both decisions.
  const cli = await openRuntime({ dataDir: dir }, { need: ['auditReader'] });
  const records = await cli.audit.reader.query({ session: 'ses_rt', order: 'asc' });
  assert.deepEqual(
    records.map((r) => r.reason),
    ['no_rule_matched', 'identity_revoked'],
  );
  await cli.close();
  await assert.rejects(rt.pins.list(), /closed/);
  assert.throws(() => rt.revocations.isRevoked(principal('ses_rt')), /closed/);
});
