import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditRecord } from '../../src/audit/fields.js';
import { SqliteAuditSink } from '../../src/audit/sqlite-sink.js';
import { when } from '../../src/cli/audit.js';
import { exec } from '../helpers/exec.js';
import type { ExecResult } from '../helpers/exec.js';
import { makeRecord, waitFor, withTempDir } from './fixtures.js';

const MOD = new URL('../../src/cli/audit.js', import.meta.url).href;
// What main.ts does with run()'s result and its errors, for `sluice audit` on its own.
const SCRIPT = `import(${JSON.stringify(MOD)}).then((m) => m.run(process.argv.slice(1))).then(
  (c) => { process.exitCode = c; },
  (e) => { process.stderr.write('sluice: ' + e.message + '\\n'); process.exitCode = e.name === 'UsageError' || String(e.code).startsWith('ERR_PARSE_ARGS') ? 2 : 1; })`;

function audit(args: readonly string[]): Promise<ExecResult> {
  return exec(process.execPath, ['-e', SCRIPT, '--', ...args]);
}

/** A config (`version: 1`, data_dir = its folder) and a sink writing that folder's audit.db. */
async function withGate(fn: (config: string, sink: SqliteAuditSink) => Promise<void>): Promise<void> {
  await withTempDir(async (dir) => {
    const config = join(dir, 'sluice.yaml');
    writeFileSync(config, 'version: 1\n');
    const sink = new SqliteAuditSink(dir, { onError: (err) => assert.fail(err) });
    try {
      await fn(config, sink);
    } finally {
      await sink.close();
    }
  });
}

function writeAll(sink: SqliteAuditSink, records: readonly AuditRecord[]): void {
  for (const r of records) sink.write(r);
  sink.flush();
}

void test('query prints an aligned table with the chosen columns, oldest first, "-" for empty', async () => {
  await withGate(async (config, sink) => {
    const base = Date.now() - 10_000;
    const a = makeRecord(0, { agent: 'bot-a', credential: 'github', session: null }, base);
    const b = makeRecord(1, { agent: 'bot-bb', outcome: 'deny', reason: 'no_rule_matched', rule: 'default-deny', status: 403, path: '/x' }, base);
    writeAll(sink, [b, a]);
    const r = await audit(['query', '--config', config]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 3);
    const header = lines[0]!.split(/\s+/);
    assert.deepEqual(header, [
      'TIME',
      'OUTCOME',
      'REASON',
      'METHOD',
      'HOST',
      'PORT',
      'PATH',
      'STATUS',
      'RULE',
      'POLICY_VERSION',
      'AGENT',
      'SESSION',
      'CREDENTIAL',
      'DECISION_ID',
    ]);
    assert.deepEqual(lines[1]!.split(/\s+/), [
      a.time,
      'allow',
      'rule_allow',
      'GET',
      a.host,
      '443',
      a.path,
      '200',
      'example',
      a.policy_version,
      'bot-a',
      '-',
      'github',
      a.decision_id,
    ]);
    assert.deepEqual(lines[2]!.split(/\s+/), [
      b.time,
      'deny',
      'no_rule_matched',
      'GET',
      b.host,
      '443',
      '/x',
      '403',
      'default-deny',
      b.policy_version,
      'bot-bb',
      'sess-1',
      '-',
      b.decision_id,
    ]);
    // Aligned: every column starts at the same offset on every line.
    const starts = (line: string): number[] => [...line.matchAll(/\S+/g)].map((m) => m.index);
    assert.deepEqual(starts(lines[1]!), starts(lines[0]!));
    assert.deepEqual(starts(lines[2]!), starts(lines[0]!));
  });
});

void test('query filters and --json prints one record per line', async () => {
  await withGate(async (config, sink) => {
    const base = Date.now() - 60_000;
    const recs = Array.from({ length: 12 }, (_, i) =>
      makeRecord(
        i,
        { agent: i % 2 ? 'odd' : 'even', outcome: i % 3 === 0 ? 'deny' : 'allow', host: i < 6 ? 'a.test' : 'b.test', tenant: 't1', session: `s${i % 4}` },
        base,
      ),
    );
    writeAll(sink, recs);
    const q = async (...args: string[]): Promise<AuditRecord[]> => {
      const r = await audit(['query', '--json', '--config', config, ...args]);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as AuditRecord);
    };
    assert.deepEqual(
      await q('--agent', 'odd', '--outcome', 'deny'),
      recs.filter((r) => r.agent === 'odd' && r.outcome === 'deny'),
    );
    assert.deepEqual(
      await q('--host', 'b.test', '--session', 's2'),
      recs.filter((r) => r.host === 'b.test' && r.session === 's2'),
    );
    assert.deepEqual(await q('--outcome', 'deny', '--outcome', 'allow', '--tenant', 't1', '--limit', '3'), recs.slice(-3));
    assert.deepEqual(await q('--rule', 'example', '--limit', '2'), recs.slice(-2));
  });
});

void test('--since 1h is relative to now; --since/--until also take ISO times', async () => {
  await withGate(async (config, sink) => {
    const now = Date.now();
    const old = makeRecord(0, { agent: 'old' }, now - 2 * 3_600_000);
    const recent = makeRecord(0, { agent: 'recent' }, now - 10 * 60_000);
    writeAll(sink, [old, recent]);
    const q = async (...args: string[]): Promise<string[]> => {
      const r = await audit(['query', '--json', '--config', config, ...args]);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as AuditRecord).agent ?? '');
    };
    assert.deepEqual(await q('--since', '1h'), ['recent']);
    assert.deepEqual(await q('--since', '3h'), ['old', 'recent']);
    assert.deepEqual(await q('--until', '1h'), ['old']);
    assert.deepEqual(await q('--since', new Date(now - 3_600_000).toISOString()), ['recent']);
    const bad = await audit(['query', '--since', 'yesterday', '--config', config]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--since: expected a duration back from now/);
  });
});

void test('when(): durations, days and ISO times', () => {
  const now = new Date('2025-06-01T12:00:00Z');
  assert.equal(when('1h', '--since', now).toISOString(), '2025-06-01T11:00:00.000Z');
  assert.equal(when('1m30s', '--since', now).toISOString(), '2025-06-01T11:58:30.000Z');
  assert.equal(when('2d', '--since', now).toISOString(), '2025-05-30T12:00:00.000Z');
  assert.equal(when('2025-01-02T03:04:05Z', '--until', now).toISOString(), '2025-01-02T03:04:05.000Z');
  assert.throws(() => when('30', '--since', now), /expected a duration/);
});

void test('no match: a clear message on stderr, exit 0; missing audit.db: exit 1 saying why', async () => {
  await withGate(async (config, sink) => {
    writeAll(sink, [makeRecord(1)]);
    const r = await audit(['query', '--agent', 'nobody', '--config', config]);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /no audit records match/);
  });
  await withTempDir(async (dir) => {
    const config = join(dir, 'sluice.yaml');
    writeFileSync(config, 'version: 1\n');
    for (const sub of ['query', 'tail']) {
      const r = await audit([sub, '--config', config]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /no audit database at .*audit\.db: the gate has not run with the sqlite audit sink/);
    }
  });
});

void test('usage mistakes exit 2', async () => {
  await withGate(async (config) => {
    for (const args of [['nope'], ['query', '--outcome', 'maybe'], ['tail', '--agent', 'x'], ['query', '-f'], ['tail', '-n', 'ten']]) {
      const r = await audit([...args, '--config', config]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    }
  });
});

void test('tail prints the last N records in write order', async () => {
  await withGate(async (config, sink) => {
    const recs = Array.from({ length: 8 }, (_, i) => makeRecord(i, {}, Date.now() - 60_000));
    writeAll(sink, recs);
    const r = await audit(['tail', '-n', '3', '--json', '--config', config]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      r.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as AuditRecord).decision_id),
      recs.slice(-3).map((x) => x.decision_id),
    );
    const t = await audit(['tail', '--config', config]);
    assert.equal(t.stdout.trimEnd().split('\n').length, 9, 'header and the default 10 (all 8)');
  });
});

void test('tail -f prints records the gate writes after it started, until SIGINT (exit 0)', async () => {
  await withGate(async (config, sink) => {
    const first = makeRecord(0, {}, Date.now() - 1000);
    writeAll(sink, [first]);
    const child = spawn(process.execPath, ['-e', SCRIPT, '--', 'tail', '-f', '-n', '1', '--json', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    try {
      assert.ok(await waitFor(() => out.includes(first.decision_id), 10_000), `printed the last record first: ${err}`);
      const later = Array.from({ length: 5 }, (_, i) => makeRecord(i + 1));
      writeAll(sink, later.slice(0, 2));
      writeAll(sink, later.slice(2));
      assert.ok(await waitFor(() => later.every((r) => out.includes(r.decision_id)), 10_000), `followed: ${out}`);
      const ids = out
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as AuditRecord).decision_id);
      assert.deepEqual(
        ids,
        [first, ...later].map((r) => r.decision_id),
      );
    } finally {
      child.kill('SIGINT');
    }
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    assert.equal(await exited, 0, err);
    clearTimeout(killer);
  });
});
