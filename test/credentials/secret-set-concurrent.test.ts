/**
 * `sluice secret set` from many processes at once: every update that reports success
 * is in the store afterwards (a lost update is an error, never a success); a lock left
 * by a crashed writer does not block the store; a crashed writer's temp file does not
 * stay behind.
 */
import assert from 'node:assert/strict';
import { readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { initDir, sluice } from '../helpers/cli.js';
import { exec } from '../helpers/exec.js';

const WRITERS = 16;

/** Names `sluice secret list` prints, sorted. */
async function listed(configFile: string): Promise<string[]> {
  const r = await sluice(['secret', 'list', '--config', configFile]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout
    .split('\n')
    .filter((l) => l.includes('\t'))
    .map((l) => l.split('\t')[0]!)
    .sort();
}

void test(`${WRITERS} concurrent sluice secret set: every reported success is in the store`, { timeout: 120_000 }, async () => {
  const d = await initDir();
  const names = Array.from({ length: WRITERS }, (_, i) => `svc_${String(i).padStart(2, '0')}`);
  const results = await Promise.all(names.map((n) => sluice(['secret', 'set', n, '--config', d.configFile], { input: `value-of-${n}`, timeoutMs: 60_000 })));
  const succeeded = names.filter((_, i) => results[i]!.code === 0);
  for (const [i, r] of results.entries()) {
    if (r.code !== 0) assert.match(r.stderr, /^sluice: .+/m, `writer ${names[i]!} failed without saying why`);
  }
  const have = await listed(d.configFile);
  const lost = succeeded.filter((n) => !have.includes(n));
  assert.deepEqual(lost, [], `reported set but missing afterwards (${lost.length} of ${succeeded.length})`);
  // With a lock that waits, nobody needs to fail either.
  assert.deepEqual(succeeded, names, results.map((r) => r.stderr).join(''));
});

void test('a lock left by a dead writer is broken, and its temp file is removed by the next update', async () => {
  const d = await initDir();
  // A pid that exists nowhere: a short-lived child's, after it exited.
  const child = await exec(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { timeoutMs: 10_000 });
  const deadPid = Number(child.stdout);
  const { hostname } = await import('node:os');
  await writeFile(join(d.dir, 'secrets.json.lock'), JSON.stringify({ pid: deadPid, host: hostname(), at: Date.now(), token: 'x' }), { mode: 0o600 });
  await writeFile(join(d.dir, '.secrets.json.0123456789ab.tmp'), 'half a store', { mode: 0o600 });
  const keyTmp = join(d.dir, '.master.key.ba9876543210.tmp');
  await writeFile(keyTmp, 'a key that was never linked', { mode: 0o600 });
  await utimes(keyTmp, new Date(Date.now() - 120_000), new Date(Date.now() - 120_000)); // left by a crash two minutes ago
  const r = await sluice(['secret', 'set', 'after_crash', '--config', d.configFile], { input: 'v', timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await listed(d.configFile), ['after_crash']);
  const left = (await readdir(d.dir)).filter((f) => f.endsWith('.tmp') || f.includes('.lock'));
  assert.deepEqual(left, []);
});

void test(
  'a lock held by a live process: sluice secret set waits its bound, then fails naming the holder (nothing reported set)',
  { timeout: 60_000 },
  async () => {
    const d = await initDir();
    const { hostname } = await import('node:os');
    // This test process is the live holder.
    await writeFile(join(d.dir, 'secrets.json.lock'), JSON.stringify({ pid: process.pid, host: hostname(), at: Date.now(), token: 'held' }), { mode: 0o600 });
    const r = await sluice(['secret', 'set', 'while_held', '--config', d.configFile], { input: 'v', timeoutMs: 40_000 });
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, new RegExp(`secrets\\.json\\.lock is held by pid ${process.pid} on `));
    assert.doesNotMatch(r.stdout, /set secret/);
    assert.deepEqual(await listed(d.configFile), []);
  },
);
