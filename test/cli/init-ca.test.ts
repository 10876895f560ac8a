import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { initDir, sluice, type InitDir } from '../helpers/cli.js';

async function freshDir(): Promise<string> {
  // A folder that does not exist yet, inside a temp folder: init must create it.
  return join(await mkdtemp(join(tmpdir(), 'sluice-init-')), 'nested', 'data');
}

describe('sluice init', () => {
  test('creates the config, the CA and its key, with private permissions', async () => {
    const dir = await freshDir();
    const r = await sluice(['init', '--dir', dir]);
    assert.equal(r.code, 0, r.stderr);
    const configFile = join(dir, 'sluice.yaml');
    assert.match(r.stdout, new RegExp(`created ${configFile.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
    assert.match(r.stdout, /sluice start --config /);

    assert.equal((await stat(dir)).mode & 0o777, 0o700, 'data dir is 0700');
    assert.equal((await stat(join(dir, 'ca-key.pem'))).mode & 0o777, 0o600, 'CA key is 0600');
    assert.ok((await stat(join(dir, 'ca.pem'))).isFile());

    const { config } = await loadConfig(configFile);
    assert.equal(config.rules.length, 0, 'the starter denies everything');
    assert.deepEqual(config.listen, { host: '127.0.0.1', port: 8877 });
    assert.equal(config.tls.ca_cert, join(dir, 'ca.pem'));
    assert.equal(config.tls.ca_key, join(dir, 'ca-key.pem'));

    const cert = new X509Certificate(await readFile(join(dir, 'ca.pem')));
    assert.equal(cert.ca, true, 'ca.pem is a CA certificate');
    const key = await readFile(join(dir, 'ca-key.pem'), 'utf8');
    assert.match(key, /-----BEGIN (EC |)PRIVATE KEY-----/);
  });

  test('a second init without --force exits 2 naming the file, and changes nothing', async () => {
    const dir = await freshDir();
    assert.equal((await sluice(['init', '--dir', dir])).code, 0);
    const before = await readFile(join(dir, 'ca.pem'), 'utf8');
    const r = await sluice(['init', '--dir', dir]);
    assert.equal(r.code, 2);
    assert.ok(r.stderr.includes(join(dir, 'sluice.yaml')), r.stderr);
    assert.match(r.stderr, /--force/);
    assert.equal(await readFile(join(dir, 'ca.pem'), 'utf8'), before, 'the CA is untouched');
  });

  test('--force replaces the config and mints a new CA', async () => {
    const dir = await freshDir();
    assert.equal((await sluice(['init', '--dir', dir])).code, 0);
    const oldCa = await readFile(join(dir, 'ca.pem'), 'utf8');
    await writeFile(join(dir, 'sluice.yaml'), 'version: 1\n# edited\n');
    const r = await sluice(['init', '--dir', dir, '--force']);
    assert.equal(r.code, 0, r.stderr);
    assert.notEqual(await readFile(join(dir, 'ca.pem'), 'utf8'), oldCa);
    assert.doesNotMatch(await readFile(join(dir, 'sluice.yaml'), 'utf8'), /# edited/);
    assert.equal((await stat(join(dir, 'ca-key.pem'))).mode & 0o777, 0o600);
    // Each file is said created, replaced or kept; the edited config is backed up, not lost.
    const backup = /^replaced \S+sluice\.yaml \(the old one is (\S+\.bak)\)$/m.exec(r.stdout);
    assert.ok(backup, r.stdout);
    assert.equal(await readFile(backup[1]!, 'utf8'), 'version: 1\n# edited\n');
    assert.match(r.stdout, /^replaced CA certificate /m);
    assert.match(r.stdout, /^kept agent token signing key /m);
    assert.match(r.stdout, /^kept master key /m);
  });

  test('an unknown option is a usage error', async () => {
    const r = await sluice(['init', '--dri', '/tmp/x']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--dri/);
  });
});

describe('sluice ca', () => {
  let shared: Promise<InitDir> | undefined;
  const dataDir = (): Promise<InitDir> => (shared ??= initDir());

  test('ca path prints the CA certificate path', async () => {
    const d = await dataDir();
    const r = await sluice(['ca', 'path', '--config', d.configFile]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${d.caFile}\n`);
  });

  test('ca export prints the PEM, byte for byte the file', async () => {
    const d = await dataDir();
    const r = await sluice(['ca', 'export', '--config', d.configFile]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, await readFile(d.caFile, 'utf8'));
    assert.match(r.stdout, /^-----BEGIN CERTIFICATE-----/);
  });

  test('ca with no subcommand, or an unknown one, is a usage error', async () => {
    const d = await dataDir();
    for (const args of [['ca'], ['ca', 'show']]) {
      const r = await sluice([...args, '--config', d.configFile]);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, /sluice ca path/);
    }
  });

  test('SLUICE_CONFIG names the config when --config is absent', async () => {
    const d = await dataDir();
    const r = await sluice(['ca', 'path'], { env: { ...process.env, SLUICE_CONFIG: d.configFile } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${d.caFile}\n`);
  });

  test('with no config anywhere, it says to run sluice init', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'sluice-empty-'));
    const env = { ...process.env };
    delete env.SLUICE_CONFIG;
    const r = await sluice(['ca', 'path'], { cwd, env });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /sluice init/);
  });
});
