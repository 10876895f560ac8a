import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { queryAudit } from '../../src/audit/query.js';
import { SCHEMA_VERSION } from '../../src/audit/sqlite-schema.js';
import { SqliteAuditSink } from '../../src/audit/sqlite-sink.js';
import { errors, makeRecord, withTempDir } from './fixtures.js';

const V1_COLUMNS = [
  'decision_id TEXT PRIMARY KEY NOT NULL',
  'time TEXT NOT NULL',
  'tenant TEXT',
  'agent TEXT',
  'session TEXT',
  'human TEXT',
  'method TEXT',
  'scheme TEXT',
  'host TEXT',
  'port INTEGER',
  'path TEXT',
  'intent TEXT',
  'outcome TEXT',
  'reason TEXT',
  'rule TEXT',
  'policy_version TEXT',
  'credential TEXT',
  'route TEXT',
  'status INTEGER',
  'bytes_in INTEGER',
  'bytes_out INTEGER',
  'duration_ms REAL',
  'findings TEXT',
  'transport TEXT',
  'address TEXT',
  'error TEXT',
  'synthesised INTEGER',
  'rewritten TEXT',
];

void test('an audit.db written by schema version 1 is migrated in place: old rows keep their values, new rows carry the MCP fields', async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, 'audit.db');
    const old = new Database(file);
    old.exec(`CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (1);
      CREATE TABLE audit (${V1_COLUMNS.join(', ')});`);
    old
      .prepare(
        `INSERT INTO audit (decision_id, time, method, host, outcome, findings, rewritten, synthesised) VALUES ('dec_old', '2025-01-01T00:00:00.000Z', 'GET', 'old.example', 'allow', '[]', '[]', 0)`,
      )
      .run();
    old.close();

    const e = errors();
    const sink = new SqliteAuditSink(dir, { onError: e.onError });
    const rec = makeRecord(5, { protocol: 'mcp', server: 'tickets', tool: 'tickets.create', parent_id: 'dec_parent', method: 'tools/call' });
    sink.write(rec);
    await sink.close();
    assert.deepEqual(e.list, []);

    const back = queryAudit(file, { order: 'asc' });
    assert.equal(back.length, 2);
    assert.equal(back[0]!.host, 'old.example');
    assert.equal(back[0]!.protocol, null);
    assert.equal(back[0]!.tool, null);
    assert.deepEqual(back[1], rec);
    const db = new Database(file, { readonly: true });
    try {
      const v = db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number };
      assert.equal(v.v, SCHEMA_VERSION);
    } finally {
      db.close();
    }
  });
});
