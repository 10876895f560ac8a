import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSecretStore } from '../../src/credentials/file-store.js';
import { exec } from '../helpers/exec.js';
import type { ExecResult } from '../helpers/exec.js';
import { assertNoCanary, canary, capture, capturedCount } from './canary.js';

const SECRET_CLI = new URL('../../src/cli/secret.js', import.meta.url).pathname;
const canaries: string[] = [];
const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function configDir(): Promise<{ dir: string; config: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-secret-cli-'));
  dirs.push(dir);
  const config = join(dir, 'sluice.yaml');
  await writeFile(config, 'version: 1\n');
  return { dir, config };
}

/** `run(argv)` of src/cli/secret.ts in a child process, as main.ts would call it; errors print their message, exit 2. */
async function secretCli(argv: string[], input = ''): Promise<ExecResult> {
  const script =
    `import(${JSON.stringify(SECRET_CLI)}).then((m) => m.run(${JSON.stringify(argv)}))` +
    '.then((c) => { process.exitCode = c; }, (e) => { process.stderr.write(`ERR ${e.name}: ${e.message}\\n`); process.exitCode = 2; })';
  const env = { ...process.env };
  delete env.SLUICE_MASTER_KEY;
  delete env.SLUICE_CONFIG;
  const r = await exec(process.execPath, ['-e', script], { input, env });
  capture(`secret ${argv.join(' ')} stdout`, r.stdout);
  capture(`secret ${argv.join(' ')} stderr`, r.stderr);
  return r;
}

test('set reads stdin (one trailing newline stripped), list shows the name and date only, rm removes', async () => {
  const { dir, config } = await configDir();
  const v = canary();
  canaries.push(v);
  const set = await secretCli(['set', 'github', '--config', config], `${v}\n`);
  assert.equal(set.code, 0, set.stderr);
  assert.match(set.stdout, /set secret 'github' in .*secrets\.json/);
  assert.match(set.stderr, /created master key .*master\.key \(mode 0600\)/);
  assert.equal((await stat(join(dir, 'secrets.json'))).mode & 0o777, 0o600);
  assert.equal((await stat(join(dir, 'master.key'))).mode & 0o777, 0o600);
  const store = await FileSecretStore.open(dir, { env: {} });
  assert.equal(store.reveal('github')?.toString(), v, 'stored exactly, newline stripped');

  const v2 = canary();
  canaries.push(v2);
  const set2 = await secretCli(['set', 'two', '--config', config], `${v2}\r\n\n`);
  assert.equal(set2.code, 0, set2.stderr);
  assert.doesNotMatch(set2.stderr, /created master key/);
  await store.reload();
  assert.equal(store.reveal('two')?.toString(), `${v2}\r\n`, 'only ONE trailing newline stripped');

  const list = await secretCli(['list', '--config', config]);
  assert.equal(list.code, 0, list.stderr);
  const lines = list.stdout.trim().split('\n');
  assert.equal(lines.length, 2);
  assert.match(lines[0]!, /^github\t\d{4}-\d\d-\d\dT[\d:.]+Z$/);
  assert.match(lines[1]!, /^two\t/);

  const rmr = await secretCli(['rm', 'github', '--config', config]);
  assert.equal(rmr.code, 0);
  assert.match(rmr.stdout, /removed secret 'github'/);
  const again = await secretCli(['rm', 'github', '--config', config]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /no secret named 'github'/);
  const after1 = await secretCli(['list', '--config', config]);
  assert.deepEqual(
    after1.stdout
      .trim()
      .split('\n')
      .map((l) => l.split('\t')[0]),
    ['two'],
  );
});

test('a value on the command line is refused, explaining why, without echoing it', async () => {
  const { dir, config } = await configDir();
  const v = canary();
  canaries.push(v);
  const r = await secretCli(['set', 'github', v, '--config', config], 'ignored\n');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /ERR UsageError: refusing to take the secret's value from the command line: .*'ps'.*shell history/);
  await assert.rejects(stat(join(dir, 'secrets.json')), { code: 'ENOENT' });
  // A value pasted where the name goes is not echoed either.
  const asName = await secretCli(['set', `${v}/x`, '--config', config], 'v\n');
  assert.equal(asName.code, 2);
  assert.match(asName.stderr, /invalid secret name \(not shown\)/);
});

test('empty stdin is refused; usage mistakes exit 2', async () => {
  const { config } = await configDir();
  const empty = await secretCli(['set', 'x', '--config', config], '\n');
  assert.equal(empty.code, 2);
  assert.match(empty.stderr, /the value is empty/);
  assert.equal((await secretCli(['set', '--config', config])).code, 2);
  assert.equal((await secretCli(['frob', '--config', config])).code, 2);
  const list = await secretCli(['list', '--config', config]);
  assert.match(list.stdout, /^no secrets in /);
});

test('a store whose key is gone is not given a new key', async () => {
  const { dir, config } = await configDir();
  const v = canary();
  canaries.push(v);
  assert.equal((await secretCli(['set', 'a', '--config', config], v)).code, 0);
  await rm(join(dir, 'master.key'));
  const r = await secretCli(['set', 'b', '--config', config], v);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /holds 1 secret\(s\) but there is no master key/);
  await assert.rejects(stat(join(dir, 'master.key')), { code: 'ENOENT' });
});

test('no captured output contains a canary', () => {
  assert.ok(capturedCount() >= 20);
  assertNoCanary(canaries);
});
