import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { exec } from '../helpers/exec.js';
import { startTestGate } from '../helpers/gate.js';
import { startUpstream } from '../helpers/upstream.js';
import { auditCli } from './chain-helpers.js';
import { waitFor } from './fixtures.js';
import { ocsfValidators } from './ocsf-helpers.js';

void test('a real gate: the credential it injects (a canary) is never exported; events validate; the trail verifies', async () => {
  const canary = `canary-${randomBytes(16).toString('hex')}`;
  const up = await startUpstream({ tls: true, names: ['api.upstream.test'] });
  const g = await startTestGate(
    `dns:
  hosts:
    api.upstream.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
audit:
  export:
    - { to: file, path: EXPORT_FILE }
rules:
  - id: with-credential
    hosts: [api.upstream.test]
    credential: { secret: api_token, header: x-api-key, value: "{{secret}}" }
`.replace('EXPORT_FILE', join('/tmp', `sluice-ocsf-${randomBytes(6).toString('hex')}.jsonl`)),
    { secrets: { api_token: canary }, audit: 'config' },
  );
  const exportFile = /path: (\S+) \}/.exec(readFileSync(g.configFile, 'utf8'))![1]!;
  try {
    for (const path of ['/echo', '/echo?q=1', '/status/404']) {
      const r = await exec('curl', ['-sS', '--proxy', g.proxyUrl, '--cacert', g.caFile, `https://api.upstream.test:${up.port}${path}`]);
      assert.equal(r.code, 0, r.stderr);
    }
    // Refused: no rule for this host.
    await exec('curl', ['-sS', '--proxy', g.proxyUrl, '--cacert', g.caFile, `https://other.upstream.test:${up.port}/`]);
    assert.ok(
      up.seen.some((s) => s.headers['x-api-key'] === canary),
      'the credential was injected',
    );
    assert.ok(await waitFor(() => readFileSync(exportFile, 'utf8').trimEnd().split('\n').length >= 4));
  } finally {
    await g.close();
    await up.close();
  }
  const text = readFileSync(exportFile, 'utf8');
  const mode = statSync(exportFile).mode & 0o777;
  rmSync(exportFile);
  assert.ok(!text.includes(canary), 'the canary is not in the export');
  assert.ok(!text.includes(Buffer.from(canary).toString('base64')));
  const { check } = ocsfValidators();
  const events = text
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  for (const e of events) assert.equal(check(e), null, JSON.stringify(e));
  assert.ok(
    events.some((e) => (e.unmapped as { sluice: { credential?: string } }).sluice.credential === 'api_token'),
    'names the credential',
  );
  assert.equal(mode, 0o600);
  // Nothing in the data directory holds it either (audit.db with its chain, the journal, the key).
  for (const f of readdirSync(g.dir)) {
    const p = join(g.dir, f);
    if (statSync(p).isFile() && !f.startsWith('secrets') && !f.includes('master')) assert.ok(!readFileSync(p).includes(canary), `${f} holds the canary`);
  }
  const v = await auditCli(['verify', '--config', g.configFile]);
  assert.equal(v.code, 0, v.stdout + v.stderr);
  assert.match(v.stdout, /audit trail OK: .*records in 1 chain, [1-9]\d* checkpoints?/);
});
