import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, utimes, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { tempSibling } from '../../src/temp-files.js';
import { initDir, sluice, startCliGate, type CliGate } from '../helpers/cli.js';
import { rawExchange, parseRawResponse } from '../helpers/raw.js';

/** The pid of a process that has already exited: its temp files are a crash's leftovers. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '0']);
  assert.equal(r.status, 0);
  return r.pid;
}

const HEX = '0123456789ab';

/** Temp files of the shapes a crashed writer leaves, plus ones that must survive. */
async function plant(dir: string): Promise<{ stale: string[]; kept: string[] }> {
  const dead = deadPid();
  const stale = [
    join(dir, `.secrets.json.${dead}.${HEX}.tmp`), // a writer killed mid-write (pid gone)
    join(dir, `.ca-key.pem.${dead}.${HEX}.tmp`),
    join(dir, `token-key.pem.${HEX}.tmp`), // the name before pids, old
    join(dir, `.master.key.${HEX}.tmp`),
  ];
  const kept = [
    join(dir, `.secrets.json.${process.pid}.${HEX}.tmp`), // a live writer's (this process): not touched
    join(dir, `.notes.txt.${dead}.${HEX}.tmp`), // not a file Sluice writes
    join(dir, 'scratch.tmp'),
  ];
  for (const f of [...stale, ...kept]) await writeFile(f, 'PRIVATE KEY MATERIAL', { mode: 0o600 });
  const old = new Date(Date.now() - 5 * 60_000);
  for (const f of [...stale, ...kept]) await utimes(f, old, old);
  // A live writer's fresh temp file stays whatever its shape.
  await utimes(kept[0]!, new Date(), new Date());
  return { stale, kept };
}

describe('temp files left by a crash during an atomic write', () => {
  const gates: CliGate[] = [];
  after(async () => {
    for (const g of gates) await g.stop('SIGKILL');
  });

  test('a temp name carries the writer pid, so two processes never share one', () => {
    const t = tempSibling('/data/secrets.json');
    assert.match(t, new RegExp(`^/data/\\.secrets\\.json\\.${process.pid}\\.[0-9a-f]{12}\\.tmp$`));
    assert.notEqual(tempSibling('/data/secrets.json'), t);
  });

  test('sluice start removes the stale ones, keeps the rest, and serves', async () => {
    const d = await initDir();
    const { stale, kept } = await plant(d.dir);
    const g = await startCliGate(d.configFile);
    gates.push(g);
    for (const f of stale) assert.equal(existsSync(f), false, `${basename(f)} should have been removed`);
    for (const f of kept) assert.equal(existsSync(f), true, `${basename(f)} should have been kept`);
    // It serves: an unauthenticated request gets the deny contract.
    const r = parseRawResponse((await rawExchange(g.port, 'GET http://example.test/ HTTP/1.1\r\nhost: example.test\r\nconnection: close\r\n\r\n')).response);
    assert.equal(r.status, 407);
    const line = g.logLines().find((l) => l.msg === 'removed temp files left by a crash during an atomic write');
    assert.ok(line, g.stderr());
    assert.deepEqual(new Set(line.removed as string[]), new Set(stale));
    // The key material in a removed temp file never reached the log.
    assert.ok(!g.stderr().includes('PRIVATE KEY MATERIAL'));
    assert.deepEqual(await g.stop('SIGTERM'), { code: 0, signal: null });
  });

  test('sluice init --force removes them too and says so', async () => {
    const d = await initDir();
    const { stale, kept } = await plant(d.dir);
    const r = await sluice(['init', '--dir', d.dir, '--force']);
    assert.equal(r.code, 0, r.stderr);
    for (const f of stale) {
      assert.equal(existsSync(f), false, `${basename(f)} should have been removed`);
      assert.ok(r.stdout.includes(`removed ${f} `), r.stdout);
    }
    for (const f of kept) assert.equal(existsSync(f), true, `${basename(f)} should have been kept`);
    // And what init wrote left no temp file of its own.
    const left = (await readdir(d.dir)).filter((n) => n.endsWith('.tmp'));
    assert.deepEqual(left.sort(), kept.map((f) => basename(f)).sort());
  });
});
