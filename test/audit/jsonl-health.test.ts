import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditRecord } from '../../src/audit/fields.js';
import { isHealthReporter } from '../../src/audit/health.js';
import { JsonlAuditSink } from '../../src/audit/jsonl-sink.js';
import { MemoryAuditSink, MultiSink } from '../../src/audit/sink.js';
import type { AuditSink } from '../../src/audit/sink.js';
import { errors, makeRecord, waitFor, withTempDir } from './fixtures.js';

void test('JSONL to a file: one line per record, the record object only, appended', async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, 'audit.jsonl');
    const e = errors();
    const records = [makeRecord(1), makeRecord(2, { findings: [{ type: 'jwt', location: 'header:authorization', action: 'redact' }] })];
    const sink = new JsonlAuditSink(file, { onError: e.onError });
    sink.write(records[0]!);
    sink.write(records[1]!);
    await sink.close();
    const again = new JsonlAuditSink(file, { onError: e.onError });
    again.write(makeRecord(3));
    await again.close();
    const lines = readFileSync(file, 'utf8').split('\n');
    assert.equal(lines.pop(), '', 'ends with a newline');
    assert.equal(lines.length, 3);
    assert.deepEqual(JSON.parse(lines[0]!), records[0]);
    assert.deepEqual(JSON.parse(lines[1]!), records[1]);
    assert.equal(sink.healthy, true);
    assert.deepEqual(e.list, []);
  });
});

void test(
  'JSONL write errors (ENOSPC on /dev/full) mark the sink unhealthy and are reported',
  { skip: !existsSync('/dev/full') && 'no /dev/full' },
  async () => {
    const e = errors();
    const sink = new JsonlAuditSink('/dev/full', { onError: e.onError });
    assert.equal(sink.healthy, true);
    sink.write(makeRecord(1));
    assert.ok(await waitFor(() => !sink.healthy), 'unhealthy after the failed write');
    assert.match(sink.lastError ?? '', /ENOSPC/);
    assert.ok(e.list.length >= 1);
    await sink.close();
  },
);

void test('JSONL to a file that cannot be opened is unhealthy; once the folder exists it reopens and is healthy again', async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, 'later', 'audit.jsonl');
    const e = errors();
    const sink = new JsonlAuditSink(file, { onError: e.onError, reopenMs: 10 });
    sink.write(makeRecord(1));
    assert.ok(await waitFor(() => !sink.healthy));
    assert.match(sink.lastError ?? '', /ENOENT/);
    mkdirSync(join(dir, 'later'));
    await new Promise((r) => setTimeout(r, 20));
    const r = makeRecord(2);
    sink.write(r);
    assert.ok(await waitFor(() => sink.healthy), sink.lastError ?? '');
    await sink.close();
    assert.deepEqual(readFileSync(file, 'utf8'), `${JSON.stringify(r)}\n`);
    assert.ok(sink.dropped >= 1, 'the record written while broken is counted');
  });
});

void test('JSONL to stdout writes the record line', async () => {
  const { spawnSync } = await import('node:child_process');
  const mod = new URL('../../src/audit/jsonl-sink.js', import.meta.url).href;
  const rec = makeRecord(7);
  const script = `import(${JSON.stringify(mod)}).then(async (m) => { const s = new m.JsonlAuditSink('stdout', { onError: (e) => console.error(e) }); s.write(${JSON.stringify(rec)}); await s.close(); })`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 15_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `${JSON.stringify(rec)}\n`);
});

class Flaky implements AuditSink {
  healthy = true;
  lastError: string | null = null;
  write(_r: AuditRecord): void {}
}

void test('MultiSink is healthy only while every sink that reports health is healthy', () => {
  const a = new Flaky();
  const b = new Flaky();
  const multi = new MultiSink([new MemoryAuditSink(), a, b], () => {});
  assert.ok(isHealthReporter(multi));
  assert.equal(isHealthReporter(new MemoryAuditSink()), false);
  assert.equal(multi.healthy, true);
  assert.equal(multi.lastError, null);
  b.healthy = false;
  b.lastError = 'disk full';
  assert.equal(multi.healthy, false);
  assert.equal(multi.lastError, 'disk full');
  b.healthy = true;
  a.healthy = false;
  a.lastError = 'locked';
  assert.equal(multi.lastError, 'locked');
  a.healthy = true;
  assert.equal(multi.healthy, true);
});

void test('MultiSink still writes to the others when one throws', () => {
  const mem = new MemoryAuditSink();
  const errs: unknown[] = [];
  const multi = new MultiSink(
    [
      {
        write: () => {
          throw new Error('boom');
        },
      },
      mem,
    ],
    (err) => errs.push(err),
  );
  multi.write(makeRecord(1));
  assert.equal(mem.records.length, 1);
  assert.equal(errs.length, 1);
});
