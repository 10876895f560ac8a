/**
 * The CLI on the shared backend: `sluice migrate` applies the schema once and says so,
 * refuses a config on the embedded backend; `--from-sqlite DIR` copies an embedded
 * gate's revocations, stops, approvals and pins (undo and lift rows still lifting what
 * they lifted) and copies nothing twice; `sluice revoke` with a config whose other
 * sections are invalid still records in PostgreSQL, never in a local state.db.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { appendFile, chmod, copyFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { comparePins } from '../../../src/inspect/mcp/pins.js';
import { SqliteApprovalStore } from '../../../src/state/sqlite-approvals.js';
import { SqliteRevocationStore } from '../../../src/state/sqlite-revocations.js';
import { SqliteStopStore } from '../../../src/state/sqlite-stops.js';
import { SqliteToolPinStore } from '../../../src/state/tool-pins-sqlite.js';
import { SharedConnections } from '../../../src/state/shared-backend.js';
import { PgRevocationStore } from '../../../src/state/postgres/pg-revocations.js';
import { PgStopStore } from '../../../src/state/postgres/pg-stops.js';
import { PgApprovalStore } from '../../../src/state/postgres/pg-approvals.js';
import { PgToolPinStore } from '../../../src/state/postgres/pg-pins.js';
import { sluice } from '../../helpers/cli.js';
import { exec, SLUICE_BIN } from '../../helpers/exec.js';
import { FileSecretStore } from '../../../src/credentials/file-store.js';
import { PgSecretStore } from '../../../src/state/postgres/pg-secrets.js';

/** A secret value that must never be stored, printed or logged in the clear. */
const CANARY = 'sk-canary-9f8e7d6c5b4a39281706';
import { sharedState, type SharedState } from '../../helpers/shared-state.js';
import { waitFor } from '../../helpers/cli-e2e.js';

describe('sluice migrate and the emergency commands on the postgres backend', () => {
  let shared: SharedState;
  let dir: string;
  let config: string;
  /** The embedded gate's data directory --from-sqlite copies (its master key sealed the copied secret). */
  let old: string;

  before(async () => {
    shared = await sharedState('pgcli');
    dir = await mkdtemp(join(tmpdir(), 'sluice-pgcli-'));
    config = join(dir, 'sluice.yaml');
    const s = shared.state;
    await writeFile(config, `version: 1\nstate:\n  backend: postgres\n  postgres: ${s.postgres}\n  redis: ${s.redis}\n  namespace: ${s.namespace}\n`);
  });
  after(() => shared.cleanup());

  test('sluice migrate applies each migration once and refuses the embedded backend', async () => {
    const first = await sluice(['migrate', '--config', config]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^applied 010-state-logs\napplied 011-state-pins\n/);
    const second = await sluice(['migrate', '--config', config]);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, new RegExp(`^namespace ${shared.namespace}: schema up to date`));
    const plain = join(dir, 'plain.yaml');
    await writeFile(plain, 'version: 1\n');
    const refused = await sluice(['migrate', '--config', plain]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /state\.backend is sqlite/);
  });

  test('--from-sqlite copies an embedded gate state once, undo and lift rows still lifting what they lifted', async () => {
    old = await mkdtemp(join(tmpdir(), 'sluice-embedded-'));
    const rev = SqliteRevocationStore.open(old, { watch: false });
    await rev.revoke({ kind: 'session', value: 'ses_kept', reason: 'leak' });
    await rev.revoke({ kind: 'agent', value: 'bot_lifted' });
    await rev.undo({ kind: 'agent', value: 'bot_lifted' });
    await rev.close();
    const stops = SqliteStopStore.open(old, { watch: false });
    await stops.kill({ tenant: 'acme', reason: 'drill' });
    await stops.quarantine({ target: '*.evil.test' });
    await stops.kill({});
    await stops.unkill(null);
    await stops.close();
    const appr = SqliteApprovalStore.open(old, { watch: false });
    const a = await appr.create({
      digest: 'd1',
      rule: 'deploy',
      tenant: 'acme',
      session: null,
      allowed: [],
      diff: {
        kind: 'http',
        method: 'POST',
        url: 'http://x.test:80/',
        tenant: 'acme',
        agent: null,
        session: null,
        human: null,
        body: null,
        bodyBytes: 0,
        why: 'x',
      },
      ttlMs: 600_000,
      decisionId: 'dec',
    });
    await appr.decide(a.id, { approve: true, by: 'alice' });
    await appr.close();
    const pins = SqliteToolPinStore.open(old, { compare: comparePins });
    await pins.pinIfFirst('acme', 'tickets', [{ name: 'create', description: 'x', inputSchema: { type: 'object' } }]);
    await pins.close();
    await (await FileSecretStore.open(old)).set('github', CANARY);

    const r = await sluice(['migrate', '--config', config, '--from-sqlite', old]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /copied from .*: 3 revocation rows, 4 kill and quarantine rows, 2 approval rows, 1 pins, 1 secrets$/m);
    const again = await sluice(['migrate', '--config', config, '--from-sqlite', old]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /: 0 revocation rows, 0 kill and quarantine rows, 0 approval rows, 0 pins, 0 secrets$/m);

    const conn = new SharedConnections({ ...shared.state, redis_down: 'refuse' });
    try {
      const pr = await PgRevocationStore.open(conn, { watch: false });
      assert.deepEqual(
        pr.list().map((e) => [e.kind, e.value, e.reason]),
        [['session', 'ses_kept', 'leak']],
      );
      const ps = await PgStopStore.open(conn, { watch: false });
      assert.deepEqual(
        ps.kills().map((k) => k.tenant),
        ['acme'],
        'the lifted global kill stays lifted',
      );
      assert.deepEqual(
        ps.quarantines().map((q) => q.target),
        ['*.evil.test'],
      );
      const pa = await PgApprovalStore.open(conn, { watch: false });
      assert.equal(pa.get(a.id)?.status, 'approved');
      assert.equal(await pa.consume(a.id), true, 'the copied grant is unused, and usable once');
      const pp = await PgToolPinStore.open(conn, { compare: comparePins });
      assert.equal((await pp.list('tickets')).length, 1);
      const secrets = await PgSecretStore.open(conn, old);
      assert.equal(secrets.reveal('github')?.toString(), CANARY, 'copied sealed, opened with the same master key');
      for (const s of [pr, ps, pa, pp, secrets]) await s.close();
    } finally {
      await conn.end();
    }
  });

  test('sluice secret set through the config stores ciphertext in PostgreSQL; a watching store on another connection hears of it', async () => {
    // Every replica has the same master key (the copied secret was sealed with the embedded gate's).
    await copyFile(join(old, 'master.key'), join(dir, 'master.key'));
    await chmod(join(dir, 'master.key'), 0o600);
    const conn = new SharedConnections({ ...shared.state, redis_down: 'refuse' });
    try {
      const watching = await PgSecretStore.open(conn, dir, { watch: true });
      let changes = 0;
      watching.onChange(() => changes++);
      const r = await exec(process.execPath, [SLUICE_BIN, 'secret', 'set', 'deploy_key', '--config', config], { input: `${CANARY}\n` });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /set secret 'deploy_key' in PostgreSQL namespace/);
      assert.ok(!r.stdout.includes(CANARY) && !r.stderr.includes(CANARY));
      assert.ok(!existsSync(join(dir, 'secrets.json')), 'nothing went to a local secrets.json');
      const stored = await shared.pg.query(`SELECT * FROM "${shared.namespace}".secrets WHERE name = 'deploy_key'`);
      assert.equal(stored.rowCount, 1);
      assert.ok(!JSON.stringify(stored.rows).includes(CANARY), 'the value is stored in the clear');
      await waitFor('the change to be announced', () => (changes > 0 ? true : undefined));
      await watching.reload();
      assert.equal(watching.reveal('deploy_key')?.toString(), CANARY);
      assert.ok(!JSON.stringify(watching).includes(CANARY));
      const listed = await sluice(['secret', 'list', '--config', config]);
      assert.match(listed.stdout, /^deploy_key\t/m);
      await watching.close();
    } finally {
      await conn.end();
    }
  });

  test('sluice revoke with an otherwise invalid config records in PostgreSQL, not in a local state.db', async () => {
    await appendFile(config, 'no_such_section: 1\n');
    const r = await sluice(['revoke', '--session', 'ses_emergency', '--config', config]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /the config is invalid and was ignored/);
    assert.ok(!existsSync(join(dir, 'state.db')), 'a local state.db was written');
    const listed = await sluice(['revoke', '--list', '--config', config]);
    assert.match(listed.stdout, /revoked session ses_emergency/);
    const killed = await sluice(['kill', '--tenant', 'beta', '--config', config]);
    assert.equal(killed.code, 0, killed.stderr);
    const kills = await sluice(['kill', '--list', '--config', config]);
    assert.match(kills.stdout, /beta/);
    assert.ok(!existsSync(join(dir, 'state.db')));
    await writeFile(config, `version: 1\nstate:\n  backend: postgres\n  postgres: 12\n  no_such_section: 1\n`);
    const broken = await sluice(['revoke', '--session', 'ses_x', '--config', config]);
    assert.notEqual(broken.code, 0, 'a broken state section is an error, not a guess');
    assert.ok(!existsSync(join(dir, 'state.db')));
  });
});
