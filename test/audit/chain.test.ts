import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { canonicalJson, canonicalRecord, GENESIS, recordHash } from '../../src/audit/chain-canonical.js';
import { AuditChain } from '../../src/audit/chain.js';
import { SIGNING_KEY_FILE } from '../../src/audit/checkpoint-sign.js';
import { rowToRecord } from '../../src/audit/sqlite-schema.js';
import { pruneForRetention } from '../../src/audit/retention.js';
import { auditCli, openTrail, writeConfig, writeThrough } from './chain-helpers.js';
import { makeRecord, withTempDir } from './fixtures.js';

void test('canonical form: sorted keys, nulls left out, at every depth; the hash binds chain_prev', () => {
  assert.equal(canonicalJson({ b: 1, a: null, c: [{ y: 'x', x: undefined }, null] }), '{"b":1,"c":[{"y":"x"},null]}');
  const chain = new AuditChain({ key: null, onCheckpoint: () => undefined, id: 'c1' });
  const a = makeRecord(0);
  const b = makeRecord(1);
  chain.link(a);
  chain.link(b);
  assert.equal(a.chain_seq, 1);
  assert.equal(a.chain_prev, GENESIS);
  assert.equal(b.chain_prev, a.chain_hash);
  assert.equal(recordHash(b), b.chain_hash);
  // Key order does not matter (PostgreSQL's JSONB reorders), content does.
  const reordered = Object.fromEntries(Object.entries(b).reverse());
  assert.equal(recordHash(reordered), b.chain_hash);
  assert.notEqual(recordHash({ ...b, path: '/v1/items/2' }), b.chain_hash);
  assert.notEqual(recordHash({ ...b, chain_prev: GENESIS }), b.chain_hash);
  // A record restored from the journal keeps its chain.
  const restored = { ...a };
  chain.link(restored);
  assert.equal(restored.chain_seq, 1);
  chain.stop();
});

void test('canonical form of a record: member by member, the same text as the sorted copy, for every shape and value', () => {
  // The reference: a copy with sorted keys and no null or absent values, through JSON.stringify.
  const sorted = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map(sorted);
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== null && x !== undefined && k !== 'chain_hash') out[k] = sorted(x);
    }
    return out;
  };
  const values = [
    null,
    undefined,
    '',
    'a"b\\c\n\u2028é',
    0,
    -0,
    1.5,
    1e21,
    Number.NaN,
    Infinity,
    true,
    false,
    [],
    [null, 1],
    { z: 1, a: null },
    [{ b: 2, a: [] }],
    () => 1,
  ];
  let seed = 7;
  const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  for (let round = 0; round < 400; round++) {
    const r = makeRecord(round) as unknown as Record<string, unknown>;
    // Same shape most rounds (the cached key order), a new key or order now and then.
    if (round % 50 === 7) r[`extra_${round}`] = 'x';
    const keys = Object.keys(r);
    for (let i = 0; i < 4; i++) r[keys[rand(keys.length)]!] = values[rand(values.length)];
    const shaped = round % 3 === 0 ? Object.fromEntries(Object.entries(r).reverse()) : r;
    assert.equal(canonicalRecord(shaped), JSON.stringify(sorted(shaped)), `round ${round}`);
  }
  // Small objects are not cached: still canonical.
  assert.equal(canonicalRecord({ b: 1, a: 'x', chain_hash: 'h' }), '{"a":"x","b":1}');
});

void test('verify passes on an untouched trail, with signed checkpoints; the key file is 0600; `audit key` prints it', async () => {
  await withTempDir(async (dir) => {
    const cfg = writeConfig(dir);
    const trail = await openTrail(cfg);
    await writeThrough(
      trail,
      Array.from({ length: 45 }, (_, i) =>
        makeRecord(i, { findings: i % 7 === 0 ? [{ type: 'aws_key', location: 'body', action: 'block', detail: 'AWS access key' }] : [] }),
      ),
    );
    await trail.close();
    assert.equal(statSync(join(dir, SIGNING_KEY_FILE)).mode & 0o777, 0o600);
    const r = await auditCli(['verify', '--config', cfg]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /audit trail OK: .*45 records in 1 chain, [2-5] checkpoints, 0 prune anchors; signatures checked/);
    // Rows read back equal the records written, chain fields included.
    const db = new Database(join(dir, 'audit.db'), { readonly: true });
    const rows = db.prepare('SELECT * FROM audit ORDER BY chain_seq').all() as Record<string, unknown>[];
    db.close();
    assert.equal(rows.length, 45);
    for (const row of rows) assert.equal(recordHash(rowToRecord(row)), row.chain_hash);
    const key = await auditCli(['key', '--config', cfg]);
    assert.equal(key.code, 0);
    assert.match(key.stdout, /^-----BEGIN PUBLIC KEY-----/);
    writeFileSync(join(dir, 'pub.pem'), key.stdout);
    const withPub = await auditCli(['verify', '--config', cfg, '--public-key', join(dir, 'pub.pem'), '--json']);
    assert.equal(withPub.code, 0, withPub.stdout);
    assert.equal((JSON.parse(withPub.stdout) as { ok: boolean; checkpoints: number }).ok, true);
  });
});

void test('one byte changed in audit.db: verify names the altered record and exits 1', async () => {
  await withTempDir(async (dir) => {
    const cfg = writeConfig(dir);
    const trail = await openTrail(cfg);
    const records = Array.from({ length: 30 }, (_, i) => makeRecord(i, { path: i === 17 ? '/v1/tamper-me-here' : `/v1/items/${i}` }));
    await writeThrough(trail, records);
    await trail.close();
    const file = join(dir, 'audit.db');
    const bytes = readFileSync(file);
    const at = bytes.indexOf('/v1/tamper-me-here');
    assert.ok(at > 0, 'the record is in the main database file (the WAL was checkpointed at close)');
    bytes[at + 4] = 'T'.charCodeAt(0); // one byte: "tamper" -> "Tamper"
    writeFileSync(file, bytes);
    const r = await auditCli(['verify', '--config', cfg]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`first break at record ${records[17]!.decision_id} .*seq 18: its content does not match its chain_hash`));
  });
});

void test('a deleted record, a replaced record and a cut-off tail are each named', async () => {
  await withTempDir(async (dir) => {
    const cfg = writeConfig(dir);
    const trail = await openTrail(cfg);
    const records = Array.from({ length: 30 }, (_, i) => makeRecord(i));
    await writeThrough(trail, records);
    await trail.close();
    const db = new Database(join(dir, 'audit.db'));
    // The tail after the last checkpoint (seq 30) goes: a signed checkpoint says there was more.
    db.prepare('DELETE FROM audit WHERE chain_seq > 27').run();
    let r = await auditCli(['verify', '--config', cfg]);
    assert.equal(r.code, 1);
    assert.match(
      r.stdout,
      new RegExp(`record ${records[26]!.decision_id} .*records after seq 27 of this chain are missing: a signed checkpoint covers seq 30`),
    );
    // A middle record deleted: the next one names the gap.
    db.prepare('DELETE FROM audit WHERE chain_seq = 5').run();
    r = await auditCli(['verify', '--config', cfg]);
    assert.match(r.stdout, new RegExp(`record ${records[5]!.decision_id} .*records 5..5 of this chain are missing`));
    // A record rewritten with a recomputed hash: the next record's chain_prev gives it away.
    const row = db.prepare('SELECT * FROM audit WHERE chain_seq = 2').get() as Record<string, unknown>;
    const forged = { ...rowToRecord(row), outcome: 'deny' as const };
    db.prepare('UPDATE audit SET outcome = ?, chain_hash = ? WHERE chain_seq = 2').run('deny', recordHash(forged));
    db.close();
    r = await auditCli(['verify', '--config', cfg]);
    assert.match(
      r.stdout,
      new RegExp(`record ${records[2]!.decision_id} .*seq 3: chain_prev does not match the hash of the record before it \\(${records[1]!.decision_id}`),
    );
  });
});

void test('an exported range verifies with --file; an edited line is named by its line number', async () => {
  await withTempDir(async (dir) => {
    const cfg = writeConfig(dir);
    const trail = await openTrail(cfg);
    await writeThrough(
      trail,
      Array.from({ length: 20 }, (_, i) => makeRecord(i)),
    );
    await trail.close();
    const q = await auditCli(['query', '--json', '--limit', '12', '--config', cfg]);
    assert.equal(q.code, 0, q.stderr);
    const file = join(dir, 'export.jsonl');
    writeFileSync(file, q.stdout);
    let r = await auditCli(['verify', '--file', file, '--config', cfg]);
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /12 records in 1 chain/);
    const lines = q.stdout.trimEnd().split('\n');
    lines[4] = lines[4]!.replace('"status":200', '"status":201');
    writeFileSync(file, lines.join('\n') + '\n');
    r = await auditCli(['verify', '--file', file, '--config', cfg]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /\(line 5\).*its content does not match its chain_hash/);
  });
});

void test('prune keeps the chain verifiable with a signed anchor; a tampered trail is not pruned', async () => {
  await withTempDir(async (dir) => {
    const cfg = writeConfig(dir, '  retain: 30d\n');
    const trail = await openTrail(cfg);
    const old = Date.now() - 60 * 86_400_000;
    const records = [
      ...Array.from({ length: 25 }, (_, i) => makeRecord(i, {}, old)),
      ...Array.from({ length: 15 }, (_, i) => makeRecord(i, {}, Date.now() - 3_600_000)),
    ];
    await writeThrough(trail, records);
    await trail.close();
    let r = await auditCli(['prune', '--config', cfg]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /pruned 25 records .* from 1 chain; 1 signed anchor/);
    r = await auditCli(['verify', '--config', cfg]);
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /15 records in 1 chain, \d+ checkpoints?, 1 prune anchor/);
    // Deleting the first kept record is still caught, after the anchor.
    const db = new Database(join(dir, 'audit.db'));
    db.prepare('DELETE FROM audit WHERE chain_seq = 26').run();
    // A forged anchor (re-pointed to the next record) fails its signature.
    db.prepare(`UPDATE audit_checkpoint SET seq = 26, hash = (SELECT chain_prev FROM audit WHERE chain_seq = 27) WHERE kind = 'anchor'`).run();
    db.close();
    r = await auditCli(['verify', '--config', cfg]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /the anchor at seq 26 has an invalid signature/);
    r = await auditCli(['prune', '--before', '1h', '--config', cfg]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /not pruning a trail that does not verify/);
  });
});

void test('audit.retain in the gate (retention.ts): prunes what is older and keeps the chain verifiable; never prunes a broken trail', async () => {
  await withTempDir(async (dir) => {
    const cfg = writeConfig(dir, '  retain: 30d\n');
    const trail = await openTrail(cfg);
    const old = Date.now() - 45 * 86_400_000;
    await writeThrough(trail, [
      ...Array.from({ length: 12 }, (_, i) => makeRecord(i, {}, old)),
      ...Array.from({ length: 8 }, (_, i) => makeRecord(i, {}, Date.now() - 60_000)),
    ]);
    await trail.close();
    const out = pruneForRetention(dir, 30 * 86_400_000);
    assert.equal(out.ok, true, out.message);
    assert.match(out.message, /pruned 12 records .* \(1 signed anchors\)/);
    let r = await auditCli(['verify', '--config', cfg]);
    assert.equal(r.code, 0, r.stdout);
    const db = new Database(join(dir, 'audit.db'));
    db.prepare(`UPDATE audit SET host = 'evil.example' WHERE chain_seq = 15`).run();
    db.close();
    const refused = pruneForRetention(dir, 1);
    assert.equal(refused.ok, false);
    assert.match(refused.message, /NOT pruning .*seq 15: its content does not match/);
    r = await auditCli(['verify', '--config', cfg]);
    assert.equal(r.code, 1);
  });
});

void test('verify --from/--to checks a range: the first record of the range is taken as its start; a break inside is still named', async () => {
  await withTempDir(async (dir) => {
    const cfg = writeConfig(dir);
    const trail = await openTrail(cfg);
    const records = Array.from({ length: 25 }, (_, i) => makeRecord(i));
    await writeThrough(trail, records);
    await trail.close();
    let r = await auditCli(['verify', '--from', records[5]!.decision_id, '--to', records[15]!.decision_id, '--config', cfg]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /11 records in 1 chain/);
    const db = new Database(join(dir, 'audit.db'));
    db.prepare('UPDATE audit SET agent = ? WHERE decision_id = ?').run('someone-else', records[9]!.decision_id);
    db.close();
    r = await auditCli(['verify', '--from', records[5]!.decision_id, '--to', records[15]!.decision_id, '--config', cfg]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, new RegExp(`first break at record ${records[9]!.decision_id}`));
    r = await auditCli(['verify', '--from', 'no-such-id', '--config', cfg]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--from: no record with decision id 'no-such-id'/);
  });
});
