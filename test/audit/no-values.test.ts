import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { AuditRecord } from '../../src/audit/fields.js';
import { JsonlAuditSink } from '../../src/audit/jsonl-sink.js';
import { queryAudit } from '../../src/audit/query.js';
import { SqliteAuditSink } from '../../src/audit/sqlite-sink.js';
import { makeRecord, withTempDir } from './fixtures.js';

/** Every file in `dir`, as bytes concatenated (db, WAL, JSONL). */
function allBytes(dir: string): Buffer {
  return Buffer.concat(readdirSync(dir).map((f) => readFileSync(join(dir, f))));
}

function storedStrings(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    const rows = db.prepare('SELECT * FROM audit').all() as Record<string, unknown>[];
    return rows.flatMap((r) => Object.values(r).filter((v): v is string => typeof v === 'string'));
  } finally {
    db.close();
  }
}

void test('a record with a query-free path is stored as given: no query string, nothing added', async () => {
  await withTempDir(async (dir) => {
    // What the proxy hands over for GET /search?q=x&api_key=...: the path only.
    const rec = makeRecord(1, { path: '/search' });
    const sink = new SqliteAuditSink(dir, { onError: (err) => assert.fail(err) });
    const jsonl = new JsonlAuditSink(join(dir, 'audit.jsonl'), { onError: (err) => assert.fail(err) });
    sink.write(rec);
    jsonl.write(rec);
    await sink.close();
    await jsonl.close();
    const back = queryAudit(sink.file);
    assert.deepEqual(back, [rec]);
    assert.equal(back[0]?.path, '/search');
    for (const s of storedStrings(sink.file)) assert.ok(!s.includes('?'), `stored value ${s} holds a '?'`);
    const line = readFileSync(join(dir, 'audit.jsonl'), 'utf8');
    assert.ok(!line.includes('?'));
    assert.deepEqual(Object.keys(JSON.parse(line) as object), Object.keys(rec));
  });
});

void test('canary: a record that names a credential, headers and findings never gains the values behind them', async () => {
  await withTempDir(async (dir) => {
    const canary = `sk-canary-${randomBytes(16).toString('hex')}`;
    // Values a careless sink could pick up from its surroundings: the environment, and the request it came from.
    process.env.SLUICE_TEST_CANARY = canary;
    process.env.OPENAI_API_KEY = canary;
    try {
      const rec: AuditRecord = makeRecord(1, {
        credential: 'openai',
        rewritten: ['authorization', 'x-api-key'],
        findings: [{ type: 'openai_key', location: 'header:authorization', action: 'redact' }],
        path: '/v1/chat/completions',
      });
      const input = JSON.stringify(rec);
      const sink = new SqliteAuditSink(dir, { onError: (err) => assert.fail(err) });
      const jsonl = new JsonlAuditSink(join(dir, 'audit.jsonl'), { onError: (err) => assert.fail(err) });
      sink.write(rec);
      jsonl.write(rec);
      await sink.close();
      await jsonl.close();
      assert.equal(JSON.stringify(rec), input, 'the sinks do not modify the record');
      assert.equal(allBytes(dir).indexOf(canary), -1, 'the canary value is nowhere on disk');
      assert.deepEqual(queryAudit(sink.file), [rec], 'read back exactly, no extra fields or values');
      const given = new Set<string>(Object.values(rec).filter((v): v is string => typeof v === 'string'));
      given.add(JSON.stringify(rec.rewritten));
      given.add(JSON.stringify(rec.findings));
      for (const s of storedStrings(sink.file)) assert.ok(given.has(s), `stored value ${s} was not in the record`);
      assert.equal(readFileSync(join(dir, 'audit.jsonl'), 'utf8'), `${input}\n`);
    } finally {
      delete process.env.SLUICE_TEST_CANARY;
      delete process.env.OPENAI_API_KEY;
    }
  });
});
